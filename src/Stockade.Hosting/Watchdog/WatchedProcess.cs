using Stockade.Hosting.Monitoring.Escalation;
using Stockade.Hosting.Monitoring.Sampling;

namespace Stockade.Hosting.Monitoring;

/// <summary>The watchdog's state for one watched process.</summary>
internal sealed class WatchedProcess(
    string pluginId,
    int pid,
    string? dataDirectory,
    string? tempDirectory,
    WatchdogLimits limits,
    IWatchdogTarget target,
    WatchdogOptions options,
    ProcessReading baseline,
    long baselineTimestamp)
{
    private volatile ResourceUsage? _usage;

    public string PluginId { get; } = pluginId;

    public int Pid { get; } = pid;

    public string? DataDirectory { get; } = dataDirectory;

    /// <summary>The worker's own <c>$TEMP</c>, which counts against the disk quota with <see cref="DataDirectory"/>.</summary>
    public string? TempDirectory { get; } = tempDirectory;

    /// <summary>The disk limit, to mark a folder with too many entries as over it.</summary>
    public long? DiskLimit { get; } = limits.DiskBytes;

    public IWatchdogTarget Target { get; } = target;

    /// <summary>Serialises the escalation between the timer and <see cref="Watchdog.ReportViolation"/>.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Guarded by <see cref="Gate"/>.</summary>
    public EscalationState Escalation { get; } = new(options, limits);

    /// <summary>The start time that identifies this process; another value under the same pid is a reused pid.</summary>
    public long StartTime { get; } = baseline.StartTime;

    // Touched only by the tick, which never overlaps itself.
    public ProcessReading LastReading { get; set; } = baseline;

    public long LastTimestamp { get; set; } = baselineTimestamp;

    /// <summary>The latest reading with descriptors and storage bytes in it, which the cheap readings between carry on.</summary>
    public ProcessReading LastDetails { get; set; } = baseline;

    public long LastDetailsTimestamp { get; set; } = baselineTimestamp;

    /// <summary>Spread over the first <see cref="WatchdogOptions.DetailsEvery"/> samples, so the costly reads of many processes do not fall on one tick.</summary>
    public int SamplesUntilDetails { get; set; } = pid % options.DetailsEvery;

    /// <summary>Open descriptors from which every sample reads them; <see cref="int.MaxValue"/> without an open-files limit.</summary>
    public int DetailsEveryTickFrom { get; } = limits.OpenFiles is int files ? (int)(files * options.WarnRatio) : int.MaxValue;

    public long? DiskBytes { get; set; }

    public int SamplesUntilDisk { get; set; }

    /// <summary>The worker's cgroup, when its target has one (<see cref="ICgroupWatchTarget"/>): read at every sample.</summary>
    public Linux.Cgroups.IWorkerCgroup? Cgroup { get; } = (target as ICgroupWatchTarget)?.Cgroup;

    /// <summary>The cgroup's CPU usage at the start of the current CPU window.</summary>
    public TimeSpan? LastCgroupCpu { get; set; }

    /// <summary>The cgroup's quota periods (<c>nr_periods</c>) at the start of the current CPU window.</summary>
    public long? LastCpuPeriods { get; set; }

    /// <summary>The cgroup's throttled periods (<c>nr_throttled</c>) at the start of the current CPU window.</summary>
    public long? LastCpuThrottledPeriods { get; set; }

    /// <summary>Starts the CPU window from the cgroup's counters (at the watch, so the first window is the cgroup's too).</summary>
    public void StartCpuWindow(Linux.Cgroups.CgroupCounters? counters)
    {
        LastCgroupCpu = counters?.CpuUsage;
        LastCpuPeriods = counters?.CpuPeriods;
        LastCpuThrottledPeriods = counters?.CpuThrottledPeriods;
    }

    public ResourceUsage? Usage
    {
        get => _usage;
        set => _usage = value;
    }
}
