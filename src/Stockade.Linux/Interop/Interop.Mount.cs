using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    // <sys/mount.h>
    internal const ulong MS_NOSUID = 2;
    internal const ulong MS_NODEV = 4;
    internal const ulong MS_NOEXEC = 8;
    internal const ulong MS_BIND = 4096;
    internal const ulong MS_REC = 16384;
    internal const ulong MS_PRIVATE = 1 << 18;

    // <sched.h>
    internal const int CLONE_NEWNS = 0x00020000;

    [LibraryImport(Libc, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mount(string? source, string target, string? filesystemType, nuint flags, string? data);

    // unshare(CLONE_NEWNS) is allowed in a multithreaded process (only CLONE_NEWUSER and the
    // thread-sharing flags need a single thread); only the calling thread moves, and it is the one that execs.
    [LibraryImport(Libc, EntryPoint = "unshare", SetLastError = true)]
    internal static partial int unshare(int flags);
}
