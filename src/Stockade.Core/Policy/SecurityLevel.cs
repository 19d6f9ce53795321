namespace Stockade.Core.Policy;

/// <summary>The four security levels of DESIGN §5, from least to most confined.</summary>
public enum SecurityLevel
{
    /// <summary>Own process, no kernel confinement; everything declared is granted and audited.</summary>
    Unrestricted,

    /// <summary>Own process, rlimits and a scrubbed environment; the broker checks permissions (not a security boundary).</summary>
    Limited,

    /// <summary>Adds Landlock, seccomp and the watchdog; declared ∩ granted, kernel-enforced where possible. The default.</summary>
    Sandboxed,

    /// <summary>Adds user/pid/net/mount namespaces, a required signature and analysis that must match declarations.</summary>
    Strict,
}
