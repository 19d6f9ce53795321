namespace Stockade.Core.Manifest;

/// <summary>
/// Decides a restart, without side effects: given the policy, the limits the plugin was loaded with and what happened
/// within the window, either the limits the next worker runs under or that the plugin is disabled. The host keeps the
/// history; this only computes, so every rung of the ladder is unit-tested.
/// </summary>
public static class RestartPlanner
{
    /// <summary>
    /// Plans the restart that follows an end of the plugin's worker.
    /// </summary>
    /// <param name="policy">The effective policy (host's, made stricter by the manifest).</param>
    /// <param name="baseLimits">The limits the plugin was loaded with (after host defaults and caps).</param>
    /// <param name="restartsInWindow">Restarts already made within the window (not counting this one).</param>
    /// <param name="resourceKillsInWindow">Resource kills within the window, the end that causes this restart included.</param>
    /// <param name="runtime">The plugin's runtime, whose floors bound the stricter limits.</param>
    public static RestartPlan Plan(RestartPolicy policy, ResourceLimits baseLimits, int restartsInWindow, int resourceKillsInWindow, PluginRuntime runtime = PluginRuntime.Dotnet)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(baseLimits);
        ArgumentOutOfRangeException.ThrowIfNegative(restartsInWindow);
        ArgumentOutOfRangeException.ThrowIfNegative(resourceKillsInWindow);
        var limits = LimitsAfter(policy, baseLimits, resourceKillsInWindow, runtime);
        if (restartsInWindow >= policy.MaxRestarts)
        {
            return new RestartPlan(Disable: true, Attempt: restartsInWindow + 1, limits, resourceKillsInWindow,
                $"its worker ended {restartsInWindow + 1} time(s) within {Window(policy.Window)}; the restart policy allows {policy.MaxRestarts} restart(s)");
        }

        return new RestartPlan(Disable: false, Attempt: restartsInWindow + 1, limits, resourceKillsInWindow, null);
    }

    /// <summary>
    /// The limits after <paramref name="resourceKills"/> stricter steps: each limit whose row allows it
    /// (<see cref="ResourceLimitDefinition.StricterOnRestart"/>) times <c>factor^kills</c>, rounded down, never below
    /// its floor for <paramref name="runtime"/> and never above the base; unlimited stays unlimited.
    /// <see cref="RestartLimits.Same"/> returns the base.
    /// </summary>
    public static ResourceLimits LimitsAfter(RestartPolicy policy, ResourceLimits baseLimits, int resourceKills, PluginRuntime runtime = PluginRuntime.Dotnet)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(baseLimits);
        if (policy.Limits != RestartLimits.Stricter || resourceKills <= 0)
        {
            return baseLimits;
        }

        var scale = Math.Pow(policy.Factor, resourceKills);
        var limits = baseLimits;
        foreach (var row in ResourceLimitTable.All.Where(r => r.StricterOnRestart))
        {
            if (row.Read(baseLimits) is not { } value)
            {
                continue;
            }

            var scaled = (int)Math.Floor(value * scale);
            limits = row.Write(limits, Math.Min(value, Math.Max(row.FloorFor(runtime), scaled)));
        }

        return limits;
    }

    private static string Window(TimeSpan window) =>
        window.TotalMinutes >= 1 && window.TotalMinutes % 1 == 0 ? $"{window.TotalMinutes:0} minute(s)" : $"{window.TotalSeconds:0.###} second(s)";
}
