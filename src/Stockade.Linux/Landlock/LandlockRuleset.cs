namespace Stockade.Linux.Landlock;

/// <summary>
/// A created Landlock ruleset: add rules, then <see cref="RestrictSelf()"/> once. The steps are irreversible
/// for the calling thread, so the object refuses any use after restriction.
/// </summary>
/// <remarks>
/// Rights the kernel's ABI does not know are dropped from the handled set and reported as
/// <see cref="LandlockStatus.PartiallyEnforced"/>; the caller decides between downgrade and failure.
/// </remarks>
internal sealed class LandlockRuleset : IDisposable
{
    private readonly SafeFdHandle? _fd;
    private readonly LandlockRulesetAttributes _handled;
    private readonly bool _partial;
    private bool _restricted;

    private LandlockRuleset(int abi, SafeFdHandle? fd, LandlockRulesetAttributes handled, bool partial)
    {
        Abi = abi;
        _fd = fd;
        _handled = handled;
        _partial = partial;
    }

    /// <summary>The ABI the ruleset was built for (0: Landlock absent, every call is a no-op).</summary>
    internal int Abi { get; }

    /// <summary>The handled set after masking to <see cref="Abi"/>.</summary>
    internal LandlockRulesetAttributes Handled => _handled;

    /// <summary>Creates a ruleset for <paramref name="requested"/>, masked to <paramref name="abi"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The kernel refused the ruleset.</exception>
    internal static unsafe LandlockRuleset Create(LandlockRulesetAttributes requested, int abi)
    {
        int effectiveAbi = Math.Min(abi, LandlockAbi.HighestKnown);
        var handled = new LandlockRulesetAttributes(
            requested.HandledFs & LandlockAbi.FsMask(effectiveAbi),
            requested.HandledNet & LandlockAbi.NetMask(effectiveAbi),
            requested.Scoped & LandlockAbi.ScopeMask(effectiveAbi));
        bool partial = handled != requested;
        if (effectiveAbi <= 0)
        {
            return new LandlockRuleset(0, null, handled, partial);
        }

        var attr = new Interop.landlock_ruleset_attr
        {
            handled_access_fs = (ulong)handled.HandledFs,
            handled_access_net = (ulong)handled.HandledNet,
            scoped = (ulong)handled.Scoped,
        };
        int fd = (int)Interop.Check(
            Interop.landlock_create_ruleset(&attr, Interop.RulesetAttrSizeFor(effectiveAbi), 0), "landlock_create_ruleset");
        return new LandlockRuleset(effectiveAbi, new SafeFdHandle(fd, ownsHandle: true), handled, partial);
    }

    /// <summary>Allows <paramref name="access"/> beneath <paramref name="path"/>; on a non-directory only file rights are kept.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The path cannot be opened or the kernel refused the rule.</exception>
    internal LandlockRuleset AddPathRule(string path, LandlockFsAccess access)
    {
        ThrowIfRestricted();
        if (_fd is null)
        {
            return this;
        }

        using SafeFdHandle parent = Interop.open(path, Interop.O_PATH | Interop.O_CLOEXEC, 0);
        if (parent.IsInvalid)
        {
            Interop.Check(-1, $"open(\"{path}\", O_PATH)");
        }

        return AddPathRule(parent, access, IsDirectory(path));
    }

    /// <summary>Allows <paramref name="access"/> beneath an already opened <paramref name="parent"/> (e.g. a pinned O_PATH fd).</summary>
    internal unsafe LandlockRuleset AddPathRule(SafeFdHandle parent, LandlockFsAccess access, bool isDirectory)
    {
        ThrowIfRestricted();
        if (_fd is null)
        {
            return this;
        }

        LandlockFsAccess allowed = access & _handled.HandledFs;
        if (!isDirectory)
        {
            allowed &= LandlockAbi.FileRights;
        }

        if (allowed == LandlockFsAccess.None)
        {
            return this;
        }

        bool added = false;
        try
        {
            parent.DangerousAddRef(ref added);
            var rule = new Interop.landlock_path_beneath_attr { allowed_access = (ulong)allowed, parent_fd = parent.Fd };
            Interop.Check(Interop.landlock_add_rule(_fd, Interop.LANDLOCK_RULE_PATH_BENEATH, &rule), "landlock_add_rule(PATH_BENEATH)");
        }
        finally
        {
            if (added)
            {
                parent.DangerousRelease();
            }
        }

        return this;
    }

    /// <summary>Allows <paramref name="access"/> on TCP <paramref name="port"/>; a no-op when the ABI has no network rights.</summary>
    internal unsafe LandlockRuleset AddNetPortRule(ushort port, LandlockNetAccess access)
    {
        ThrowIfRestricted();
        LandlockNetAccess allowed = access & _handled.HandledNet;
        if (_fd is null || allowed == LandlockNetAccess.None)
        {
            return this;
        }

        var rule = new Interop.landlock_net_port_attr { allowed_access = (ulong)allowed, port = port };
        Interop.Check(Interop.landlock_add_rule(_fd, Interop.LANDLOCK_RULE_NET_PORT, &rule), "landlock_add_rule(NET_PORT)");
        return this;
    }

    /// <summary>
    /// Confines the calling thread (and what it creates or execs afterwards) to the ruleset. Below ABI 8 other
    /// threads of the process stay unconfined, which is why the launcher calls this right before <c>execve</c>.
    /// </summary>
    internal LandlockStatus RestrictSelf() => RestrictSelf(logAfterExec: false);

    /// <summary>
    /// As <see cref="RestrictSelf()"/>; with <paramref name="logAfterExec"/> on ABI ≥ 7 also asks Landlock to log the
    /// denials of the program exec'd next (<c>LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON</c>; off by default). The records
    /// go to the kernel audit log, and only when audit is on there: Landlock never switches it on, nor do we.
    /// </summary>
    internal LandlockStatus RestrictSelf(bool logAfterExec)
    {
        ThrowIfRestricted();
        _restricted = true;
        if (_fd is null)
        {
            return LandlockStatus.NotEnforced;
        }

        uint flags = logAfterExec && LogsAfterExec(Abi) ? Interop.LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON : 0;
        Interop.Check(Interop.landlock_restrict_self(_fd, flags), "landlock_restrict_self");
        _fd.Dispose();
        return _partial ? LandlockStatus.PartiallyEnforced : LandlockStatus.FullyEnforced;
    }

    /// <summary>True when <paramref name="abi"/> has the logging flags of <c>landlock_restrict_self</c> (ABI 7).</summary>
    internal static bool LogsAfterExec(int abi) => abi >= 7;

    /// <inheritdoc/>
    public void Dispose() => _fd?.Dispose();

    private static bool IsDirectory(string path) => Directory.Exists(path);

    private void ThrowIfRestricted()
    {
        if (_restricted)
        {
            throw new InvalidOperationException("The ruleset was already applied with RestrictSelf; build a new one.");
        }
    }
}
