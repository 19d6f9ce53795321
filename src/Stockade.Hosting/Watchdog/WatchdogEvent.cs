namespace Stockade.Hosting.Monitoring;

/// <summary>
/// One step of the watchdog's escalation, with the figures that triggered it.
/// </summary>
/// <remarks>
/// <see cref="Limit"/> and <see cref="Observed"/> are in the unit of <see cref="Resource"/>: bytes for
/// memory and disk, percent of one core for CPU, seconds for CPU time, a count for threads and open files.
/// </remarks>
public sealed record WatchdogEvent
{
    /// <summary>The plugin the watched process belongs to.</summary>
    public required string PluginId { get; init; }

    /// <summary>The step of the escalation.</summary>
    public required WatchdogEventKind Kind { get; init; }

    /// <summary>The resource that triggered the step.</summary>
    public required WatchdogResource Resource { get; init; }

    /// <summary>The limit in force; <see langword="null"/> for <see cref="WatchdogResource.Reported"/> violations.</summary>
    public double? Limit { get; init; }

    /// <summary>The value observed; <see langword="null"/> for <see cref="WatchdogResource.Reported"/> violations.</summary>
    public double? Observed { get; init; }

    /// <summary>The plugin's violation count after this step.</summary>
    public int Violations { get; init; }

    /// <summary>The sample the decision was made on; <see langword="null"/> when no sample was taken yet.</summary>
    public ResourceUsage? Usage { get; init; }

    /// <summary>When the step was taken.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>A sentence for people and logs.</summary>
    public required string Message { get; init; }
}
