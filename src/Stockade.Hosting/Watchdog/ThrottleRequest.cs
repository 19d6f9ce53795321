namespace Stockade.Hosting.Monitoring;

/// <summary>A request to throttle a process, or to lift its throttle.</summary>
public sealed record ThrottleRequest
{
    /// <summary>The plugin the process belongs to.</summary>
    public required string PluginId { get; init; }

    /// <summary>The watched process.</summary>
    public required int Pid { get; init; }

    /// <summary><see langword="false"/> to throttle; <see langword="true"/> when the process recovered and the throttle should be lifted.</summary>
    public bool Release { get; init; }

    /// <summary>The event that led to this request, with its figures.</summary>
    public required WatchdogEvent Event { get; init; }
}
