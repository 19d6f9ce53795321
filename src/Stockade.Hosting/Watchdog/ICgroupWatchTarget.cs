namespace Stockade.Hosting.Monitoring;

/// <summary>A watch target whose process sits in a cgroup of its own: the watchdog reads the cgroup's figures with every sample.</summary>
internal interface ICgroupWatchTarget
{
    /// <summary>The process's cgroup, or <see langword="null"/>.</summary>
    Linux.Cgroups.IWorkerCgroup? Cgroup { get; }
}
