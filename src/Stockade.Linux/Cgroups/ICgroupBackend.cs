namespace Stockade.Linux.Cgroups;

/// <summary>Which cgroup layout holds the workers' resources.</summary>
public enum CgroupBackendKind
{
    /// <summary>No cgroup: rlimits and the watchdog only.</summary>
    None,

    /// <summary>cgroup v1 controllers (memory, cpu, pids, freezer, blkio), one directory per controller.</summary>
    V1,

    /// <summary>A delegated cgroup v2 subtree.</summary>
    V2,
}

/// <summary>The kernel limits one worker's cgroup applies; <see langword="null"/> leaves that controller unlimited.</summary>
/// <param name="MemoryBytes">Hard memory limit (v2 <c>memory.max</c>, v1 <c>memory.limit_in_bytes</c>); shared memory and page cache count.</param>
/// <param name="CpuPercent">CPU share of one core (v2 <c>cpu.max</c>, v1 CFS quota), 1–100 × cores.</param>
/// <param name="Tasks">Tasks (processes plus threads) the cgroup may hold (<c>pids.max</c>).</param>
public sealed record CgroupLimits(long? MemoryBytes, int? CpuPercent, int? Tasks);

/// <summary>What a worker's cgroup counted: the evidence a kill is named from. A field is <see langword="null"/> when its controller is absent.</summary>
/// <param name="MemoryCurrentBytes">Memory charged now.</param>
/// <param name="MemoryPeakBytes">Highest memory charged (v1 <c>max_usage_in_bytes</c>, v2 <c>memory.peak</c>).</param>
/// <param name="MemoryLimitBytes">The memory limit in force.</param>
/// <param name="OomKills">Tasks the cgroup's OOM killer ended (v2 <c>memory.events oom_kill</c>, v1 <c>memory.oom_control oom_kill</c>).</param>
/// <param name="MemoryLimitHits">Times an allocation hit the limit (v2 <c>memory.events max</c>, v1 <c>memory.failcnt</c>).</param>
/// <param name="TasksCurrent">Tasks in the cgroup now.</param>
/// <param name="TasksLimitHits">Forks refused by <c>pids.max</c> (<c>pids.events max</c>).</param>
/// <param name="CpuUsage">CPU time the cgroup used.</param>
/// <param name="CpuThrottled">
/// Time the cgroup's tasks waited, throttled by its quota (v1 <c>throttled_time</c>, v2 <c>throttled_usec</c>): summed over
/// the CPUs whose run queues were held, so it can exceed the wall time, and a thread that wanted a moment of CPU counts for
/// the whole wait. A latency, not a demand: never add it to the use (<c>docs/cgroups.md</c>, "CPU share").
/// </param>
/// <param name="CpuPeriods">Quota periods that elapsed while the cgroup was active (<c>cpu.stat nr_periods</c>); <see langword="null"/> without a CPU quota controller.</param>
/// <param name="CpuThrottledPeriods">Of those, the periods in which the quota ran out and the kernel held the cgroup back (<c>cpu.stat nr_throttled</c>).</param>
/// <param name="CpuQuotaPercent">The quota in force, in percent of one core (v1 <c>cpu.cfs_quota_us</c> ÷ <c>cpu.cfs_period_us</c>, v2 <c>cpu.max</c>); <see langword="null"/> when unlimited.</param>
public sealed record CgroupCounters(
    long? MemoryCurrentBytes,
    long? MemoryPeakBytes,
    long? MemoryLimitBytes,
    long? OomKills,
    long? MemoryLimitHits,
    long? TasksCurrent,
    long? TasksLimitHits,
    TimeSpan? CpuUsage,
    TimeSpan? CpuThrottled,
    long? CpuPeriods = null,
    long? CpuThrottledPeriods = null,
    double? CpuQuotaPercent = null);

/// <summary>
/// Where workers' cgroups are made. Chosen once when a host starts (v2 delegated subtree, v1 controllers, or none),
/// reported by <c>stockade doctor</c> and the guarantee report.
/// </summary>
public interface ICgroupBackend
{
    /// <summary>The layout in use.</summary>
    CgroupBackendKind Kind { get; }

    /// <summary>One line for doctor and the guarantee report: the layout, the parent path and the controllers held.</summary>
    string Description { get; }

    /// <summary>Creates the cgroup for one worker (under the host's own cgroup) with its limits, before the launcher runs.</summary>
    /// <param name="name">A name unique among live workers (letters, digits, '-', '.').</param>
    /// <param name="limits">The limits to apply.</param>
    /// <param name="owner">A uid that must be able to join it (the worker's dedicated user), or <see langword="null"/>.</param>
    IWorkerCgroup Create(string name, CgroupLimits limits, int? owner);

    /// <summary>Removes worker cgroups left by a host that died (empty ones only; live tasks are killed first). Returns how many.</summary>
    int RemoveStale();
}

/// <summary>One worker's cgroup: joined by the launcher, read for evidence, adjusted for throttling, removed when the worker is gone.</summary>
public interface IWorkerCgroup : IDisposable
{
    /// <summary>The <c>cgroup.procs</c> files the launcher writes its pid to (v1: one per controller; v2: one).</summary>
    IReadOnlyList<string> ProcsFiles { get; }

    /// <summary>Reads the counters now; never throws for a missing file (the field is <see langword="null"/>).</summary>
    CgroupCounters ReadCounters();

    /// <summary>Sets the CPU quota (throttling rung); <see langword="null"/> removes it.</summary>
    void SetCpuPercent(int? percent);

    /// <summary>Freezes every task (freezer), kills them all with SIGKILL, thaws so the kill lands, and waits until the cgroup is empty.</summary>
    void KillAll();
}
