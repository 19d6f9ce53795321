using Stockade.Core.Manifest;

namespace Stockade.Hosting.Restarts;

/// <summary>A restart as the restart policy chose it: the plan, the effective policy and what ended the worker before.</summary>
/// <param name="Plan">The planner's decision (attempt, limits, stricter steps).</param>
/// <param name="Policy">The effective restart policy (the host's, made stricter by the manifest).</param>
/// <param name="After">What ended the previous worker, e.g. <c>limit:memory</c>, <c>exit_code</c>, <c>signal</c>.</param>
internal sealed record RestartChoice(RestartPlan Plan, RestartPolicy Policy, string After);
