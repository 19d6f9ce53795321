using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    // <linux/prctl.h>: the capability bounding set, the securebits and the ambient set.
    internal const int PR_CAPBSET_READ = 23;
    internal const int PR_CAPBSET_DROP = 24;
    internal const int PR_GET_SECUREBITS = 27;
    internal const int PR_SET_SECUREBITS = 28;
    internal const int PR_CAP_AMBIENT = 47;
    internal const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    // <linux/securebits.h>
    internal const int SECBIT_NOROOT = 1 << 0;
    internal const int SECBIT_NOROOT_LOCKED = 1 << 1;
    internal const int SECBIT_NO_SETUID_FIXUP = 1 << 2;
    internal const int SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 3;
    internal const int SECBIT_KEEP_CAPS = 1 << 4;
    internal const int SECBIT_KEEP_CAPS_LOCKED = 1 << 5;
    internal const int SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6;
    internal const int SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED = 1 << 7;

    // <linux/capability.h>
    internal const uint _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    internal const int CAP_SETGID = 6;
    internal const int CAP_SETUID = 7;
    internal const int CAP_SETPCAP = 8;
    internal const int CAP_SYS_ADMIN = 21;

    [StructLayout(LayoutKind.Sequential)]
    internal struct __user_cap_header_struct
    {
        public uint version;
        public int pid;
    }

    /// <summary>One 32-bit half of the three sets; version 3 passes two of them (capabilities 0–31, 32–63).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct __user_cap_data_struct
    {
        public uint effective;
        public uint permitted;
        public uint inheritable;
    }

    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial int capget(__user_cap_header_struct* header, __user_cap_data_struct* data);

    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial int capset(__user_cap_header_struct* header, __user_cap_data_struct* data);
}
