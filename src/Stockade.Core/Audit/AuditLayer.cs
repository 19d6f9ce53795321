namespace Stockade.Core.Audit;

/// <summary>The part of Stockade that made the decision or observed the event. Serialised in lowercase.</summary>
public enum AuditLayer
{
    /// <summary>Manifest, signature and analysis checks before a plugin runs.</summary>
    Loader,

    /// <summary>The permission broker in the host.</summary>
    Broker,

    /// <summary>Kernel confinement (Landlock, seccomp, rlimits, namespaces).</summary>
    Kernel,

    /// <summary>The resource watchdog.</summary>
    Watchdog,

    /// <summary>The plugin host itself (lifecycle, protocol).</summary>
    Host,

    /// <summary>The <c>stockade</c> command line, acting for an operator.</summary>
    Cli,
}
