using System.Globalization;
using Stockade.Core.Audit;
using Stockade.Core.Manifest;
using Stockade.Core.Policy;
using Stockade.Hosting.Restarts;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>
    /// Decides the restart of a plugin whose worker ended (issue 16 item 5), under the slot's start lock: forgets restarts
    /// older than the window, asks <see cref="RestartPlanner"/> for the next limits or for disabling, and then either
    /// disables the plugin (<c>plugin.disabled</c> recorded first, then the <c>Disabled</c> event, then the exception) or
    /// waits the back-off and puts the chosen limits into the plugin's policy for the start that follows.
    /// </summary>
    /// <exception cref="PluginFailedException">The restart budget is spent: the plugin is disabled.</exception>
    private async Task PlanRestartAsync(PluginSlot slot, CancellationToken cancellationToken)
    {
        var plugin = slot.Plugin;
        var policy = RestartPolicyOf(plugin);
        var now = _time.GetUtcNow();
        var history = slot.Restarts;
        history.Forget(now, policy.Window);
        if (slot.Worker is { HasExited: true } ended)
        {
            // Its end is judged (a kernel resource kill named from the cgroup's figures) before the restart counts it.
            await WorkerEndRecordedAsync(ended).ConfigureAwait(false);
        }

        var after = EndCause(slot);
        if (after is "timeout" or "cancelled")
        {
            // The host ended it for a caller (a call ran past its timeout, or was cancelled): that call has its answer
            // (PluginTimeoutException), and the worker did nothing wrong the restart policy is about. A fresh worker, at
            // once, at the same limits; no back-off, not counted toward disabling (issue 18).
            history.Pending = null;
            return;
        }

        var resourceKill = after.StartsWith("limit", StringComparison.Ordinal);
        var baseLimits = history.BaseLimits ??= plugin.Policy.Resources;
        var plan = RestartPlanner.Plan(policy, baseLimits, history.Count, history.ResourceKills + (resourceKill ? 1 : 0), plugin.Manifest.Runtime);
        if (plan.Disable)
        {
            await DisableForRestartsAsync(slot, plan, policy, after).ConfigureAwait(false);
        }

        // Back-off: 0 s, 1 s, 2 s… between consecutive restarts in the window.
        var delay = TimeSpan.FromSeconds(history.Count);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }

        history.Add(now, resourceKill);
        if (!plan.Limits.Equals(plugin.Policy.Resources))
        {
            // A new policy instance: spares prepared under the old limits are discarded by the start, never served.
            plugin.Policy = plugin.Policy.WithResources(plan.Limits);
        }

        history.Pending = new RestartChoice(plan, policy, after);
    }

    /// <summary>
    /// A policy rebuilt from the manifest (a grant change) with the restart ladder's limits kept: while the slot remembers
    /// resource kills, its limits stay those of <see cref="RestartPlanner.LimitsAfter"/>, never the loaded ones. A grant
    /// says what a plugin may reach, not how much it may use; before, a grant change handed a plugin killed down the
    /// ladder its full limits back until its next kill (decision 54's known gap).
    /// </summary>
    private SandboxPolicy KeepStricterLimits(PluginSlot slot, SandboxPolicy rebuilt)
    {
        var history = slot.Restarts;
        if (history.BaseLimits is not { } baseLimits || history.ResourceKills == 0)
        {
            return rebuilt;
        }

        var limits = RestartPlanner.LimitsAfter(RestartPolicyOf(slot.Plugin), baseLimits, history.ResourceKills, slot.Plugin.Manifest.Runtime);
        return limits.Equals(rebuilt.Resources) ? rebuilt : rebuilt.WithResources(limits);
    }

    /// <summary>The host's restart policy made stricter by the manifest's <c>restart:</c>.</summary>
    private RestartPolicy RestartPolicyOf(LoadedPlugin plugin) => _options.Restart.StricterBy(plugin.Manifest.Restart);

    /// <summary>
    /// What ended the slot's last worker, as <c>worker.exited</c> records it; <c>limit:&lt;resource&gt;</c> for a resource
    /// kill, whoever named it: the watchdog or broker (the slot's kill) or the kernel (the worker's verdict, from its
    /// cgroup's or rlimit's figures). Either is a resource kill for the restart ladder.
    /// </summary>
    private static string EndCause(PluginSlot slot)
    {
        if (slot.Worker is not { } worker || !worker.Exited.IsCompletedSuccessfully)
        {
            return slot.ResourceKill is { } kill ? "limit:" + kill.Resource : "none";
        }

        var verdict = worker.Verdict ?? slot.ResourceKill;
        var end = WorkerEnd.Of(worker.Exited.Result, verdict);
        return end.Cause == "limit" ? "limit:" + (end.Limit ?? verdict?.Key ?? "unknown") : end.Cause;
    }

    private async Task DisableForRestartsAsync(PluginSlot slot, RestartPlan plan, RestartPolicy policy, string after)
    {
        var reason = plan.Reason ?? "its restart budget ran out";
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["reason"] = reason,
            ["restarts"] = (plan.Attempt - 1).ToString(CultureInfo.InvariantCulture),
            ["restartPolicy"] = policy.ToString(),
            ["after"] = after,
        };
        AddLimits(details, slot.Plugin.Policy.Resources);

        // Recorded before it is done (decision 14): a disable that cannot be audited does not happen, the call fails.
        await AuditAsync(AuditActions.PluginDisabled, AuditDecision.Info, AuditLayer.Host, slot.Id, details: details).ConfigureAwait(false);
        if (slot.Plugin.IsInstalled)
        {
            slot.OffInStore = true; // the store poll must not take this for a person's 'disable'
            Store.SetEnabled(slot.Id, false);
        }

        slot.DisabledReason = reason;
        slot.DisabledNextStep = null;
        Raise(slot.Id, PluginEventKind.Disabled, $"disabled: {reason} ({policy})", slot.Plugin.Policy.Resources);
        throw new PluginFailedException(slot.Id, PluginFailureKind.Crashed, $"plugin '{slot.Id}' was disabled: {reason}",
            nextStep: $"fix the cause, then re-enable it: stockade enable {slot.Id}");
    }

    /// <summary>
    /// The restart's part of its <c>plugin.restarted</c> record and <c>Restarted</c> event: the limits the worker runs
    /// under, and when the restart policy chose them, the attempt, the stricter steps, the policy and what ended the
    /// worker before. Returns the sentence for the event.
    /// </summary>
    private static string DescribeRestart(PluginSlot slot, SandboxPolicy policy, Dictionary<string, string> details)
    {
        AddLimits(details, policy.Resources);
        if (slot.Restarts.Pending is not { } choice)
        {
            return $"; limits {Describe(policy.Resources)}";
        }

        slot.Restarts.Pending = null;
        details["restart"] = choice.Plan.Attempt.ToString(CultureInfo.InvariantCulture);
        details["stricterSteps"] = choice.Plan.Steps.ToString(CultureInfo.InvariantCulture);
        details["restartPolicy"] = choice.Policy.ToString();
        details["after"] = choice.After;
        var stricter = choice.Policy.Limits == RestartLimits.Stricter && choice.Plan.Steps > 0 ? $", stricter by x{Math.Pow(choice.Policy.Factor, choice.Plan.Steps).ToString("0.###", CultureInfo.InvariantCulture)} after {choice.After}" : string.Empty;
        return $"; restart {choice.Plan.Attempt} of {choice.Policy.MaxRestarts}{stricter}; limits {Describe(policy.Resources)}";
    }

    /// <summary>One detail per row of the limit table, e.g. <c>memoryMb</c> = <c>256</c> (<c>unlimited</c> for no limit).</summary>
    private static void AddLimits(Dictionary<string, string> details, ResourceLimits limits)
    {
        foreach (var row in ResourceLimitTable.All)
        {
            details[row.Key] = row.Read(limits)?.ToString(CultureInfo.InvariantCulture) ?? "unlimited";
        }
    }

    private static string Describe(ResourceLimits limits) =>
        string.Join(", ", ResourceLimitTable.All.Select(r => $"{r.Key} {r.Read(limits)?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"}"));
}
