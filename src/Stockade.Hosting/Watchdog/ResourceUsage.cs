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
    /// <summary>CPU use over the last interval, in percent of one core (200 means two busy cores).</summary>
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
    /// The share of the interval the worker's cgroup was held back by its CPU quota, in percent of one core (its demand
    /// beyond the quota), or <see langword="null"/> without a cgroup. Use plus this is what the worker asked for.
    /// </summary>
    public double? CpuThrottledPercent { get; init; }

    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset SampledAt { get; init; }
}
