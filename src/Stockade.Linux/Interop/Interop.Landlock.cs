using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const uint LANDLOCK_CREATE_RULESET_VERSION = 1u << 0;
    internal const uint LANDLOCK_CREATE_RULESET_ERRATA = 1u << 1;
    internal const int LANDLOCK_RULE_PATH_BENEATH = 1;
    internal const int LANDLOCK_RULE_NET_PORT = 2;

    /// <summary>Grows with the ABI: 8 bytes (ABI 1–3), 16 (ABI 4–5, net), 24 (ABI 6+, scoped).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct landlock_ruleset_attr
    {
        public ulong handled_access_fs;
        public ulong handled_access_net;
        public ulong scoped;
    }

    /// <summary>Packed in the uapi header: 12 bytes, parent_fd at offset 8.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    internal struct landlock_path_beneath_attr
    {
        public ulong allowed_access;
        public int parent_fd;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct landlock_net_port_attr
    {
        public ulong allowed_access;
        public ulong port;
    }

    /// <summary>Size of <see cref="landlock_ruleset_attr"/> that a kernel of this ABI understands.</summary>
    internal static nuint RulesetAttrSizeFor(int abi) => abi >= 6 ? 24u : abi >= 4 ? 16u : 8u;

    internal static unsafe long landlock_create_ruleset(landlock_ruleset_attr* attr, nuint size, uint flags) =>
        Syscall(SyscallNumbers.landlock_create_ruleset, (nint)attr, (nint)size, (nint)flags);

    internal static unsafe long landlock_add_rule(SafeFdHandle ruleset, int ruleType, void* attr)
    {
        bool added = false;
        try
        {
            ruleset.DangerousAddRef(ref added);
            return Syscall(SyscallNumbers.landlock_add_rule, ruleset.DangerousGetHandle(), ruleType, (nint)attr, 0);
        }
        finally
        {
            if (added)
            {
                ruleset.DangerousRelease();
            }
        }
    }

    /// <summary>ABI 7: log denials of the program exec'd after restrict_self (off by default), to the kernel audit log.</summary>
    internal const uint LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON = 1u << 1;

    internal static long landlock_restrict_self(SafeFdHandle ruleset, uint flags)
    {
        bool added = false;
        try
        {
            ruleset.DangerousAddRef(ref added);
            return Syscall(SyscallNumbers.landlock_restrict_self, ruleset.DangerousGetHandle(), (nint)flags);
        }
        finally
        {
            if (added)
            {
                ruleset.DangerousRelease();
            }
        }
    }
}
