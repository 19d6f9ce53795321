namespace Stockade.Linux.Cgroups;

/// <summary>Which cgroup the host puts its workers in. The default finds one by itself: a writable v2 cgroup of the host's own, else writable v1 controllers, else none.</summary>
public sealed class CgroupOptions
{
    /// <summary>
    /// A delegated directory to make the worker cgroups in, or <see langword="null"/> to use the host's own cgroup. A
    /// directory on a cgroup2 mount is a v2 parent (its <c>cgroup.subtree_control</c> must enable memory, cpu and pids,
    /// or be writable so the host enables them); one under a v1 controller mount (e.g.
    /// <c>/sys/fs/cgroup/memory/stockade</c>) names the same relative path in every v1 controller.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// The backend the host must use, or <see langword="null"/> for the best one available. <see cref="CgroupBackendKind.None"/>
    /// turns cgroups off (rlimits and the watchdog only).
    /// </summary>
    public CgroupBackendKind? Require { get; set; }

    /// <summary>
    /// When the cgroup named by <see cref="Path"/> or <see cref="Require"/> cannot be used (missing, not writable, a
    /// controller absent), start without cgroups (audited, and said by doctor) instead of refusing to start. Default false.
    /// </summary>
    public bool AllowDowngrade { get; set; }
}
