namespace Stockade.Hosting.Monitoring.Escalation;

/// <summary>What one evaluation decided.</summary>
internal enum EscalationAction
{
    /// <summary>A resource reached the warning ratio (first time in its episode).</summary>
    Warn,

    /// <summary>A soft limit was exceeded once (counted, no event of its own).</summary>
    Violation,

    /// <summary>Violations reached the throttle threshold.</summary>
    Throttle,

    /// <summary>Violations decayed to zero while throttled.</summary>
    Release,

    /// <summary>A hard limit was exceeded or violations reached the kill threshold.</summary>
    Kill,
}
