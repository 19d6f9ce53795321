namespace Stockade.Hosting.Monitoring;

/// <summary>A request to end a process that exceeded its limits.</summary>
public sealed record KillRequest
{
    /// <summary>The plugin the process belongs to.</summary>
    public required string PluginId { get; init; }

    /// <summary>The watched process.</summary>
    public required int Pid { get; init; }

    /// <summary>The event that led to this request, with its figures and message.</summary>
    public required WatchdogEvent Event { get; init; }
}
