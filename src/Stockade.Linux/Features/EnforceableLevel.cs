namespace Stockade.Linux.Features;

/// <summary>The strongest confinement this machine can enforce (the host maps it to its security levels).</summary>
public enum EnforceableLevel
{
    /// <summary>Own process and rlimits only; permissions are checked by the broker, not the kernel.</summary>
    Limited = 0,

    /// <summary>Landlock and seccomp are available.</summary>
    Sandboxed = 1,

    /// <summary>Landlock, seccomp and usable user namespaces (private pid, net and mount namespaces).</summary>
    Strict = 2,
}
