using Stockade.Hosting.Monitoring.Escalation;
using Stockade.Hosting.Monitoring.Sampling;

namespace Stockade.Hosting.Monitoring;

/// <summary>The watchdog's state for one watched process.</summary>
internal sealed class WatchedProcess(
    string pluginId,
    int pid,
    string? dataDirectory,
    ResourceLimits limits,
    IWatchdogTarget target,
    WatchdogOptions options,
    ProcessReading baseline,
    long baselineTimestamp)
{
    private volatile ResourceUsage? _usage;

    public string PluginId { get; } = pluginId;

    public int Pid { get; } = pid;

    public string? DataDirectory { get; } = dataDirectory;

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

    public long? DiskBytes { get; set; }

    public int SamplesUntilDisk { get; set; }

    public ResourceUsage? Usage
    {
        get => _usage;
        set => _usage = value;
    }
}
