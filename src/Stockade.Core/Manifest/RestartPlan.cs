namespace Stockade.Core.Manifest;

/// <summary>What <see cref="RestartPlanner.Plan"/> decided.</summary>
/// <param name="Disable">True when the restart budget is spent: the plugin is disabled instead of restarted.</param>
/// <param name="Attempt">The number of this restart within the window (1 for the first).</param>
/// <param name="Limits">The limits the restarted worker runs under.</param>
/// <param name="Steps">Stricter steps applied (resource kills within the window); 0 for the base limits.</param>
/// <param name="Reason">Why the plugin is disabled, in words; null when it is restarted.</param>
public sealed record RestartPlan(bool Disable, int Attempt, ResourceLimits Limits, int Steps, string? Reason);
