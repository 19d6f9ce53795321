namespace Stockade.Linux.Landlock;

/// <summary>The Landlock ABI of the running kernel and the rights each ABI version knows.</summary>
internal static class LandlockAbi
{
    /// <summary>Rights that a rule on a non-directory may carry; the kernel rejects the others with EINVAL.</summary>
    internal const LandlockFsAccess FileRights =
        LandlockFsAccess.Execute | LandlockFsAccess.WriteFile | LandlockFsAccess.ReadFile |
        LandlockFsAccess.Truncate | LandlockFsAccess.IoctlDev;

    /// <summary>Highest ABI whose rights this code knows; newer kernels are treated as this one.</summary>
    internal const int HighestKnown = 7;

    /// <summary>Asks the kernel for its ABI version; 0 when Landlock is not built in or disabled at boot.</summary>
    internal static unsafe int Probe()
    {
        long abi = Interop.landlock_create_ruleset(null, 0, Interop.LANDLOCK_CREATE_RULESET_VERSION);
        return abi < 0 ? 0 : (int)abi;
    }

    /// <summary>The errata bitmask of the running kernel (fixed Landlock bugs); 0 when unsupported.</summary>
    internal static unsafe long ProbeErrata()
    {
        long errata = Interop.landlock_create_ruleset(null, 0, Interop.LANDLOCK_CREATE_RULESET_ERRATA);
        return errata < 0 ? 0 : errata;
    }

    /// <summary>Filesystem rights known to <paramref name="abi"/> (ABI 1: 13 rights, 2: +Refer, 3: +Truncate, 5: +IoctlDev).</summary>
    internal static LandlockFsAccess FsMask(int abi) => abi switch
    {
        <= 0 => LandlockFsAccess.None,
        1 => (LandlockFsAccess)((1UL << 13) - 1),
        2 => (LandlockFsAccess)((1UL << 14) - 1),
        3 or 4 => (LandlockFsAccess)((1UL << 15) - 1),
        _ => (LandlockFsAccess)((1UL << 16) - 1),
    };

    /// <summary>Network rights known to <paramref name="abi"/> (TCP bind/connect from ABI 4).</summary>
    internal static LandlockNetAccess NetMask(int abi) =>
        abi >= 4 ? LandlockNetAccess.BindTcp | LandlockNetAccess.ConnectTcp : LandlockNetAccess.None;

    /// <summary>Scopes known to <paramref name="abi"/> (abstract sockets and signals from ABI 6).</summary>
    internal static LandlockScope ScopeMask(int abi) =>
        abi >= 6 ? LandlockScope.AbstractUnixSocket | LandlockScope.Signal : LandlockScope.None;
}
