namespace Stockade.Linux.Features;

/// <summary>What the running kernel offers for confinement, as measured by <see cref="KernelFeatures.Probe"/>.</summary>
public sealed class KernelFeatureReport
{
    /// <summary>The kernel release (<c>/proc/sys/kernel/osrelease</c>), or "unknown".</summary>
    public required string KernelRelease { get; init; }

    /// <summary>Landlock ABI version; 0 when Landlock is absent or disabled.</summary>
    public required int LandlockAbi { get; init; }

    /// <summary>Landlock errata bitmask (fixed kernel bugs); 0 when unsupported.</summary>
    public required long LandlockErrata { get; init; }

    /// <summary>seccomp filter mode (<c>SECCOMP_SET_MODE_FILTER</c>) is available.</summary>
    public required bool SeccompFilter { get; init; }

    /// <summary><c>SECCOMP_FILTER_FLAG_TSYNC</c> is understood, so a filter can cover every thread.</summary>
    public required bool SeccompTsync { get; init; }

    /// <summary><c>PR_SET_NO_NEW_PRIVS</c> is available.</summary>
    public required bool NoNewPrivileges { get; init; }

    /// <summary><c>unshare --user --map-root-user --net --pid --ipc --fork --mount --mount-proc true</c> succeeded (as the worker uid when the host switches).</summary>
    public required bool UserNamespacesUsable { get; init; }

    /// <summary>Why user namespaces are unusable (exit code, timeout, missing tool), or <see langword="null"/>.</summary>
    public string? UserNamespacesDetail { get; init; }

    /// <summary>A cgroup v1 memory controller is mounted.</summary>
    public required bool CgroupV1Memory { get; init; }

    /// <summary>A cgroup v2 hierarchy with the memory controller is mounted.</summary>
    public required bool CgroupV2Memory { get; init; }

    /// <summary>The delegated cgroup given in the options exists and has a writable <c>cgroup.procs</c>; <see langword="null"/> when none was given.</summary>
    public bool? DelegatedCgroupUsable { get; init; }

    /// <summary>User-namespace sysctls as found (absent ones are omitted), e.g. <c>kernel.unprivileged_userns_clone</c>.</summary>
    public required IReadOnlyDictionary<string, string> Sysctls { get; init; }

    /// <summary>The process runs with effective uid 0.</summary>
    public required bool RunningAsRoot { get; init; }

    /// <summary>The strongest level these features can enforce.</summary>
    public required EnforceableLevel HighestEnforceableLevel { get; init; }
}
