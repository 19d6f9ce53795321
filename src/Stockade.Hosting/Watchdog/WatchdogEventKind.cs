namespace Stockade.Hosting.Monitoring;

/// <summary>The step of the escalation a <see cref="WatchdogEvent"/> reports.</summary>
public enum WatchdogEventKind
{
    /// <summary>A resource reached the warning ratio of its limit; raised once per episode.</summary>
    ResourceWarning,

    /// <summary>Enough violations accumulated that the process was throttled.</summary>
    Throttled,

    /// <summary>A hard limit was exceeded or too many violations accumulated; the process was killed.</summary>
    Killed,

    /// <summary>A throttled process behaved long enough that its violations decayed to zero; the throttle was lifted.</summary>
    Recovered,
}
