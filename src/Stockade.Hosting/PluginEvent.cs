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
}
