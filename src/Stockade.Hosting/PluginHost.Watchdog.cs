using System.Globalization;
using Stockade.Core.Audit;
using Stockade.Core.Policy;
using Stockade.Hosting.Monitoring;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    private static WatchdogLimits WatchLimits(SandboxPolicy policy) => WatchdogLimits.From(policy.Resources); // read through ResourceLimitTable

    private void OnWatchdogEvent(object? sender, WatchdogEvent e)
    {
        if (e.Kind == WatchdogEventKind.Recovered)
        {
            return;
        }

        var (kind, action) = e.Kind switch
        {
            WatchdogEventKind.Throttled => (PluginEventKind.Throttled, AuditActions.PluginThrottled),
            WatchdogEventKind.Killed => (PluginEventKind.Killed, AuditActions.PluginKilled),
            _ => (PluginEventKind.ResourceWarning, (string?)null),
        };
        if (action is not null)
        {
            Audit.Append(new AuditEntry(action, AuditDecision.Info, AuditLayer.Watchdog)
            {
                Plugin = e.PluginId,
                Resource = e.Resource.ToString(),
                Details = new Dictionary<string, string>
                {
                    ["limit"] = e.Limit?.ToString("0.##", CultureInfo.InvariantCulture) ?? "",
                    ["observed"] = e.Observed?.ToString("0.##", CultureInfo.InvariantCulture) ?? "",
                    ["violations"] = e.Violations.ToString(CultureInfo.InvariantCulture),
                    ["message"] = e.Message,
                },
            });
        }

        Raise(e.PluginId, kind, e.Message);
    }

    /// <summary>What the watchdog may do to one worker: lower its priority, or kill it.</summary>
    private sealed class WatchdogTarget(PluginSlot slot, WorkerProcess worker) : IWatchdogTarget
    {
        public void Throttle(ThrottleRequest request)
        {
            // No delegated cgroup here (see docs/kernel-compatibility.md): the fallback is the
            // lowest CPU priority, which the kernel honours against every other process.
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(request.Pid);
                process.PriorityClass = request.Release ? System.Diagnostics.ProcessPriorityClass.Normal : System.Diagnostics.ProcessPriorityClass.Idle;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // The worker has exited.
            }
        }

        public void Kill(KillRequest request)
        {
            if (!ReferenceEquals(slot.Worker, worker))
            {
                return;
            }

            slot.ResourceKill = ResourceKill.FromWatchdog(request.Event);
            worker.Kill($"watchdog: {request.Event.Message}", WorkerKillKind.Watchdog);
        }
    }
}
