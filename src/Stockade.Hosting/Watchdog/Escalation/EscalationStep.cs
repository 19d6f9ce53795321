namespace Stockade.Hosting.Monitoring.Escalation;

/// <summary>One decision with the figures behind it.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Resource">The resource that led to it.</param>
/// <param name="Limit">The limit in the resource's unit, or null for reported violations.</param>
/// <param name="Observed">The value observed, or null for reported violations.</param>
/// <param name="Violations">The violation count after the step.</param>
/// <param name="Reason">For reported violations, the reporter's reason; for a task limit ended at once, what the kernel refused; for CPU under a quota, how the quota held it.</param>
internal readonly record struct EscalationStep(
    EscalationAction Action,
    WatchdogResource Resource,
    double? Limit,
    double? Observed,
    int Violations,
    string? Reason = null);
