using System.Globalization;
using Stockade.Linux.Launch;

namespace Stockade.Linux.Privileges;

/// <summary>
/// Takes every privilege away from the calling thread before it execs a worker, then checks the kernel's own
/// account of it (fail secure: a drop that did not happen is a refusal, not a warning). The order matters and is
/// written once here: the securebits and the bounding set need CAP_SETPCAP, so they go first; the uid switch
/// needs CAP_SETUID/CAP_SETGID and, with SECBIT_NO_SETUID_FIXUP clear, empties the permitted and effective sets;
/// the inheritable set survives a uid change, so it is cleared explicitly last.
/// </summary>
internal static class PrivilegeDrop
{
    /// <summary>
    /// The securebits a dropped worker carries, all locked: uid 0 gains nothing by exec (NOROOT), a uid change
    /// always clears capabilities (NO_SETUID_FIXUP and KEEP_CAPS clear and locked), and the ambient set cannot be
    /// raised again.
    /// </summary>
    public const int LockedSecureBits = Interop.SECBIT_NOROOT | Interop.SECBIT_NOROOT_LOCKED
        | Interop.SECBIT_NO_SETUID_FIXUP_LOCKED
        | Interop.SECBIT_KEEP_CAPS_LOCKED
        | Interop.SECBIT_NO_CAP_AMBIENT_RAISE | Interop.SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

    /// <summary>
    /// Drops what this thread can drop: with CAP_SETPCAP (root, or root inside a user namespace) the securebits are
    /// locked and the whole bounding set goes; the ambient set is cleared; <paramref name="user"/> is taken when the
    /// caller is root; every remaining capability (inheritable included) is cleared.
    /// </summary>
    /// <returns>Whether the drop was complete (bounding set and securebits included); an unprivileged caller cannot
    /// change them, and relies on no_new_privs so that an exec gains nothing.</returns>
    /// <exception cref="System.ComponentModel.Win32Exception">A call failed; the message names it.</exception>
    public static bool Apply(LaunchUser? user)
    {
        bool root = Interop.geteuid() == 0;
        if (user is not null && !root && Interop.getuid() != user.Uid)
        {
            throw new System.ComponentModel.Win32Exception(
                $"cannot switch to uid {user.Uid}: the launcher runs as uid {Interop.getuid()}, not root; start it as root or omit 'user'");
        }

        bool complete = root || HasEffective(Interop.CAP_SETPCAP);
        if (complete)
        {
            Interop.Check(Interop.prctl(Interop.PR_SET_SECUREBITS, LockedSecureBits, 0, 0, 0), "prctl(PR_SET_SECUREBITS, NOROOT|NO_SETUID_FIXUP|KEEP_CAPS|NO_CAP_AMBIENT_RAISE locked)");
            int last = LastCapability();
            for (int cap = 0; cap <= last; cap++)
            {
                Interop.Check(Interop.prctl(Interop.PR_CAPBSET_DROP, (nuint)cap, 0, 0, 0), $"prctl(PR_CAPBSET_DROP, {cap})");
            }
        }

        Interop.Check(Interop.prctl(Interop.PR_CAP_AMBIENT, Interop.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)");
        if (user is not null && root)
        {
            unsafe
            {
                Interop.Check(Interop.setgroups(0, null), "setgroups(0)");
            }

            Interop.Check(Interop.setresgid(user.Gid, user.Gid, user.Gid), $"setresgid({user.Gid})");
            Interop.Check(Interop.setresuid(user.Uid, user.Uid, user.Uid), $"setresuid({user.Uid})");
        }

        ClearAllSets();
        return complete;
    }

    /// <summary>
    /// What is still held although <see cref="Apply"/> should have removed it, each entry naming the guarantee that
    /// would be missing; empty when the thread is as unprivileged as asked.
    /// </summary>
    public static IReadOnlyList<string> Verify(CapabilitySnapshot state, bool complete, LaunchUser? user)
    {
        ArgumentNullException.ThrowIfNull(state);
        var missing = new List<string>();
        void Set(string name, ulong value, string consequence)
        {
            if (value != 0)
            {
                missing.Add($"{name} is {value:x16}, not 0: {consequence}");
            }
        }

        Set("CapEff", state.Effective, "the worker would hold capabilities");
        Set("CapPrm", state.Permitted, "the worker could raise capabilities again");
        Set("CapInh", state.Inheritable, "capabilities could pass to a program the worker runs");
        Set("CapAmb", state.Ambient, "capabilities would survive execve");
        if (complete)
        {
            Set("CapBnd", state.Bounding, "a setuid-root or file-capability program could give capabilities back");
            if ((state.SecureBits & LockedSecureBits) != LockedSecureBits
                || (state.SecureBits & (Interop.SECBIT_NO_SETUID_FIXUP | Interop.SECBIT_KEEP_CAPS)) != 0)
            {
                missing.Add(string.Create(CultureInfo.InvariantCulture,
                    $"securebits are 0x{state.SecureBits:x}, not 0x{LockedSecureBits:x} (NOROOT, NO_SETUID_FIXUP, KEEP_CAPS, NO_CAP_AMBIENT_RAISE locked): uid 0 could regain capabilities by exec"));
            }
        }

        if (user is not null)
        {
            if (state.Uids.Any(u => u != user.Uid))
            {
                missing.Add($"the uids are {string.Join(' ', state.Uids)}, not {user.Uid}: the worker would keep the launcher's user");
            }

            if (state.Gids.Any(g => g != user.Gid))
            {
                missing.Add($"the gids are {string.Join(' ', state.Gids)}, not {user.Gid}: the worker would keep the launcher's group");
            }

            if (state.Groups.Count > 0)
            {
                missing.Add($"supplementary groups {string.Join(' ', state.Groups)} remain: the worker would keep their file access");
            }
        }

        return missing;
    }

    /// <summary>The highest capability number this kernel knows (<c>/proc/sys/kernel/cap_last_cap</c>).</summary>
    public static int LastCapability()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // Without procfs: PR_CAPBSET_READ answers EINVAL past the last capability.
            int cap = 0;
            while (cap < 63 && Interop.prctl(Interop.PR_CAPBSET_READ, (nuint)(cap + 1), 0, 0, 0) >= 0)
            {
                cap++;
            }

            return cap;
        }
    }

    private static unsafe bool HasEffective(int capability)
    {
        var header = new Interop.__user_cap_header_struct { version = Interop._LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc Interop.__user_cap_data_struct[2];
        Interop.Check(Interop.capget(&header, data), "capget");
        return (data[capability / 32].effective & (1u << (capability % 32))) != 0;
    }

    private static unsafe void ClearAllSets()
    {
        var header = new Interop.__user_cap_header_struct { version = Interop._LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc Interop.__user_cap_data_struct[2];
        data[0] = default;
        data[1] = default;
        Interop.Check(Interop.capset(&header, data), "capset(effective = permitted = inheritable = 0)");
    }
}
