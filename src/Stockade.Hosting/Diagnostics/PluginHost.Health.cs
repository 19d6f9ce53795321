using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Stockade.Hosting.Diagnostics;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

// Health (docs/observability.md): what the host and each plugin report to Microsoft.Extensions.Diagnostics.HealthChecks.
// Every text is the host's own; a disabled plugin's reason is bounded and made visible like any text that may quote a worker.
public sealed partial class PluginHost
{
    /// <summary>The host's health: its audit log and store, and whether a loaded plugin is disabled.</summary>
    internal HealthCheckResult CheckHealth(HealthStatus failureStatus)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var slot in _slots.Values)
        {
            data["plugin:" + slot.Id] = StateName(slot.State);
        }

        data["workers.running"] = _slots.Values.Count(static s => s.Worker is { IsRunning: true });
        if (Volatile.Read(ref _disposed) != 0)
        {
            return new HealthCheckResult(failureStatus, "the Stockade host was disposed", data: data);
        }

        if (AuditFailure is { } audit)
        {
            return new HealthCheckResult(failureStatus, $"brokered calls are refused: {audit}", data: data);
        }

        try
        {
            _ = Store.Read();
        }
        catch (Exception ex) when (ex is global::Stockade.Hosting.Store.StoreException or IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            return new HealthCheckResult(failureStatus, $"the Stockade store in {Home.Root} cannot be read: {ex.Message}", data: data);
        }

        var disabled = _slots.Values.Where(static s => s.State == WorkerState.Disabled).Select(static s => s.Id).Order(StringComparer.Ordinal).ToArray();
        if (disabled.Length > 0)
        {
            return HealthCheckResult.Degraded($"disabled: {string.Join(", ", disabled)} (stockade enable <id> once the cause is fixed)", data: data);
        }

        return HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{_slots.Count} plugin(s) loaded, {data["workers.running"]} worker(s) running"), data);
    }

    /// <summary>One plugin's health: loaded, not disabled, and not restarted within the restart window.</summary>
    internal HealthCheckResult CheckPluginHealth(string pluginId, HealthStatus failureStatus)
    {
        if (!_slots.TryGetValue(pluginId, out var slot))
        {
            return new HealthCheckResult(failureStatus, $"plugin '{UntrustedText.Bounded(pluginId, 128)}' is not loaded");
        }

        var state = slot.State;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["state"] = StateName(state),
            ["level"] = Name(slot.Plugin.Policy.Level),
            ["restarts"] = slot.Restarts.Count,
        };
        if (slot.Plugin.ProcessId is { } pid)
        {
            data["pid"] = pid;
        }

        if (state == WorkerState.Disabled)
        {
            return new HealthCheckResult(failureStatus, $"plugin '{slot.Id}' is disabled: {UntrustedText.Bounded(slot.DisabledReason)}", data: data);
        }

        if (slot.Restarts.Count > 0)
        {
            return HealthCheckResult.Degraded($"plugin '{slot.Id}' was restarted {slot.Restarts.Count} time(s) within its restart window", data: data);
        }

        return HealthCheckResult.Healthy(state == WorkerState.Stopped ? $"plugin '{slot.Id}' is idle; a worker starts on its next call" : $"plugin '{slot.Id}' is {StateName(state)}", data);
    }

    private static string StateName(WorkerState state) => state switch
    {
        WorkerState.Starting => "starting",
        WorkerState.Ready => "ready",
        WorkerState.Draining => "draining",
        WorkerState.Stopped => "idle",
        WorkerState.Disabled => "disabled",
        _ => "unknown",
    };
}
