namespace Stockade.Linux.Cgroups;

/// <summary>No cgroup: the workers are bounded by rlimits and the watchdog only.</summary>
internal sealed class NoCgroupBackend(string reason) : ICgroupBackend
{
    public CgroupBackendKind Kind => CgroupBackendKind.None;

    public string Description { get; } = "none: rlimits and the watchdog only (" + reason + ")";

    public IWorkerCgroup Create(string name, CgroupLimits limits, int? owner) =>
        throw new InvalidOperationException("No cgroup backend is in use; check Kind before creating a worker cgroup.");

    public int RemoveStale() => 0;
}
