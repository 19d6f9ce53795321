namespace Stockade.Hosting;

/// <summary>One event of a plugin, raised by <see cref="PluginHost.PluginEvent"/>.</summary>
/// <param name="PluginId">The plugin.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Message">A sentence a person can read.</param>
/// <param name="At">When (UTC).</param>
public sealed record PluginEvent(string PluginId, PluginEventKind Kind, string Message, DateTimeOffset At)
{
    /// <summary>
    /// The limits the worker runs under, for <see cref="PluginEventKind.Started"/> and <see cref="PluginEventKind.Restarted"/>
    /// (after a resource kill, the stricter ones the restart policy chose) and the last ones for
    /// <see cref="PluginEventKind.Disabled"/>; null for other events.
    /// </summary>
    public Core.Manifest.ResourceLimits? Limits { get; init; }

    /// <summary>For <see cref="PluginEventKind.Usage"/>: what the worker uses now (the watchdog's last sample); null for other events.</summary>
    public Monitoring.ResourceUsage? Usage { get; init; }

    /// <summary>For <see cref="PluginEventKind.Usage"/>: calls that finished (answered or failed) since the previous usage event of this plugin; null for other events.</summary>
    public long? Calls { get; init; }
}
