namespace Stockade.Linux.Features;

/// <summary>Options for <see cref="KernelFeatures.Probe"/>.</summary>
public sealed class KernelFeatureProbeOptions
{
    /// <summary>A delegated cgroup directory to check (its <c>cgroup.procs</c> must exist); <see langword="null"/> to skip.</summary>
    public string? DelegatedCgroupPath { get; set; }

    /// <summary>The util-linux <c>unshare</c> used to test user namespaces. Default <c>/usr/bin/unshare</c>.</summary>
    public string UnsharePath { get; set; } = "/usr/bin/unshare";

    /// <summary>
    /// The uid (and gid) workers run as, when it differs from the caller's: the user-namespace test then runs as that
    /// user through <c>setpriv</c>, as strict workers start, because root can create user namespaces where an
    /// unprivileged user cannot. <see langword="null"/> tests as the caller.
    /// </summary>
    public int? WorkerUserId { get; set; }

    /// <summary>How long the user-namespace test may take before it counts as unusable. Default 2 s.</summary>
    public TimeSpan UnshareTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
