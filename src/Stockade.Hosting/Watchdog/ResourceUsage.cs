namespace Stockade.Hosting.Monitoring;

/// <summary>
/// What one watched process (with every descendant process summed in) used at one sample.
/// </summary>
/// <remarks>
/// Rates are computed over the interval since the previous sample, so the first figures after
/// <see cref="Watchdog.Watch"/> cover the time since the watch started.
/// </remarks>
public sealed record ResourceUsage
{
    /// <summary>
    /// CPU use over the last interval, in percent of one core (200 means two busy cores): measured by the worker's cgroup
    /// where it has one (every task it holds), else from <c>/proc</c> over the worker and its descendants.
    /// </summary>
    public double CpuPercent { get; init; }

    /// <summary>CPU time (user + system) consumed since the process started, including reaped children.</summary>
    public TimeSpan CpuTime { get; init; }

    /// <summary>Resident memory (RSS) in bytes.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Number of threads.</summary>
    public int Threads { get; init; }

    /// <summary>Number of open file descriptors, sockets included.</summary>
    public int OpenFiles { get; init; }

    /// <summary>Number of open sockets (of any family).</summary>
    public int Sockets { get; init; }

    /// <summary>Number of processes: the watched one plus its live descendants.</summary>
    public int Processes { get; init; }

    /// <summary>
    /// Bytes used by the files under the plugin's data folder, from the most recent disk scan;
    /// <see langword="null"/> when no folder is watched or it has not been scanned yet.
    /// A scan that ran out of time reports what it had counted, a lower bound.
    /// </summary>
    public long? DiskBytes { get; init; }

    /// <summary>Bytes read from storage since the process started; <see langword="null"/> when <c>/proc/&lt;pid&gt;/io</c> is unreadable.</summary>
    public long? ReadBytes { get; init; }

    /// <summary>Bytes written to storage since the process started; <see langword="null"/> when <c>/proc/&lt;pid&gt;/io</c> is unreadable.</summary>
    public long? WriteBytes { get; init; }

    /// <summary>Storage read rate over the last interval, in bytes per second; <see langword="null"/> when unknown.</summary>
    public double? ReadBytesPerSecond { get; init; }

    /// <summary>Storage write rate over the last interval, in bytes per second; <see langword="null"/> when unknown.</summary>
    public double? WriteBytesPerSecond { get; init; }

    /// <summary>Memory the worker's cgroup is charged (private and shared memory, page cache), or <see langword="null"/> without a cgroup.</summary>
    public long? CgroupMemoryBytes { get; init; }

    /// <summary>Tasks (threads of every process) in the worker's cgroup, or <see langword="null"/> without a cgroup.</summary>
    public long? CgroupTasks { get; init; }

    /// <summary>Processes in the worker's cgroup (children that left its process tree included), or <see langword="null"/> without a cgroup.</summary>
    public long? CgroupProcesses { get; init; }

    /// <summary>How many times the worker's cgroup refused a new task at its pids limit (v1 and v2 <c>pids.events</c> max), or <see langword="null"/> without a cgroup.</summary>
    public long? CgroupTasksLimitHits { get; init; }

    /// <summary>
    /// Of the CPU quota periods in the last interval in which the worker's cgroup ran, the share (0–100) in which its
    /// quota ran out and the kernel held it back (<c>cpu.stat</c> <c>nr_throttled</c> ÷ <c>nr_periods</c>): how often it
    /// wanted more than its quota. <see langword="null"/> without a cgroup CPU controller.
    /// </summary>
    /// <remarks>
    /// The cgroup's throttled <em>time</em> is not used: the kernel sums it over every CPU whose run queue held a task
    /// of the group, for as long as it waited, so it measures waiting rather than demand (a .NET worker spinning under
    /// a 5 % quota reads about 190 % on two cores).
    /// </remarks>
    public double? CpuThrottledPeriodsPercent { get; init; }

    /// <summary>
    /// The CPU quota the kernel held the worker's cgroup to at this sample, in percent of one core: its <c>cpuPercent</c>,
    /// or less while throttled. <see langword="null"/> without a cgroup quota.
    /// </summary>
    public double? CpuQuotaPercent { get; init; }

    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset SampledAt { get; init; }
}
