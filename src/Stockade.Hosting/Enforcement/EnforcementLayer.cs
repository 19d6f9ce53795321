namespace Stockade.Hosting;

/// <summary>Who enforces a guarantee.</summary>
public enum EnforcementLayer
{
    /// <summary>The kernel (Landlock, seccomp, rlimits, namespaces): holds even against hostile code.</summary>
    Kernel,

    /// <summary>The host's broker: holds for brokered calls only; not a boundary against code that bypasses it.</summary>
    Broker,

    /// <summary>The watchdog: detected after the fact and acted on (warn, throttle, kill).</summary>
    Watchdog,

    /// <summary>Nothing enforces it at this level on this machine.</summary>
    None,
}
