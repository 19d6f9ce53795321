using Stockade.Hosting.Diagnostics;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

// Telemetry of the host (docs/observability.md): the instruments and the call spans. The invoke path reaches it
// through single-line hooks (StartCall, Stamp, Succeeded, Failed), so the shape of a call stays in PluginHost.Invoke.cs.
public sealed partial class PluginHost
{
    private HostTelemetry _telemetry = null!;

    /// <summary>This host's instruments (tests read its meter).</summary>
    internal HostTelemetry Telemetry => _telemetry;

    private HostTelemetry NewTelemetry() => new(Audit, () => _slots.Values.Count(static s => s.Worker is { IsRunning: true }));

    /// <summary>Starts the telemetry of one call or hook of <paramref name="pluginId"/>; dispose it when the call ends.</summary>
    internal CallTelemetry StartCall(string pluginId, string method, CancellationToken cancellationToken, bool hook = false)
    {
        // Only a loaded plugin's id becomes a tag: an application passing user input as the id cannot grow the series.
        var slot = pluginId is not null && _slots.TryGetValue(pluginId, out var found) ? found : null;
        var refusedAs = slot is null ? "not_found"
            : slot.DisabledReason is not null ? "disabled"
            : !hook && slot.Plugin.Methods.Count > 0 && !slot.Plugin.Methods.Contains(method, StringComparer.Ordinal) ? "not_found"
            : null;
        return new CallTelemetry(_telemetry, slot?.Id ?? "_unknown", method, slot?.Plugin, hook, slot is null ? null : Name(slot.Plugin.Policy.Level), cancellationToken, refusedAs);
    }

    /// <summary>Starts the telemetry of launching one worker of <paramref name="slot"/> (its span and cold-start time).</summary>
    private HostTelemetry.WorkerLaunch StartLaunch(PluginSlot slot, bool spare) => _telemetry.StartWorker(slot.Id, spare);
}
