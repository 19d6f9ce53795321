using System.Globalization;
using Stockade.Core.Audit;
using Stockade.Core.Policy;
using Stockade.Hosting.Monitoring;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>The CPU share of a throttled worker: half its cpuPercent, at least 1 %.</summary>
    internal static int ThrottledShare(int cpuPercent) => Math.Max(1, cpuPercent / 2);

    // Read through ResourceLimitTable; processes (issue 16: parsed and never applied) is counted by the watchdog too: the
    // worker, its descendants and whatever sits in its cgroup.
    // At strict the worker runs under stage 0 (`unshare --fork`), one more process of the host's own making in its tree and
    // its cgroup: counted for the host, never against the plugin's `processes`.
    private static WatchdogLimits WatchLimits(SandboxPolicy policy) => WatchdogLimits.From(policy.Resources) with { Processes = policy.Resources.Processes + StageZeroProcesses(policy) };

    internal static int StageZeroProcesses(SandboxPolicy policy) => policy.Level == SecurityLevel.Strict ? 1 : 0;

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

    /// <summary>What the watchdog may do to one worker: lower its CPU quota (or priority, without a cgroup), or kill it.</summary>
    private sealed class WatchdogTarget(PluginSlot slot, WorkerProcess worker) : IWatchdogTarget, ICgroupWatchTarget
    {
        public Linux.Cgroups.IWorkerCgroup? Cgroup => worker.Cgroup;

        public void Throttle(ThrottleRequest request)
        {
            if (worker.Cgroup is { } cgroup)
            {
                // Real throttling (issue 16): the quota the worker already runs under is halved, the kernel holds the
                // worker and its children there (the cgroup's throttled time shows it), and restored on release.
                var share = slot.Plugin.Policy.Resources.CpuPercent;
                try
                {
                    cgroup.SetCpuPercent(request.Release ? share : ThrottledShare(share));
                    return;
                }
                catch (Exception ex) when (ex is Linux.Cgroups.CgroupException or ArgumentException)
                {
                    // The cgroup is gone with the worker, or refuses: fall back to the priority below.
                }
            }

            // No cgroup here (see docs/kernel-compatibility.md): the fallback is the
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
