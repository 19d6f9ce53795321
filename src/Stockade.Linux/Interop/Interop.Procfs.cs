using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const int SYS_getdents64 = 217;

    /// <summary>open(2) on a NUL-terminated byte path; −1 on failure. The caller closes the descriptor.</summary>
    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true)]
    internal static unsafe partial int OpenBytes(byte* path, int flags, int mode);

    /// <summary>openat(2) relative to <paramref name="dirFd"/> on a NUL-terminated byte path; −1 on failure.</summary>
    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true)]
    internal static unsafe partial int OpenAtBytes(int dirFd, byte* path, int flags, int mode);

    /// <summary>read(2); −1 on failure.</summary>
    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint ReadBytes(int fd, byte* buffer, nuint count);

    /// <summary>readlinkat(2) into a byte buffer (not NUL-terminated); −1 on failure.</summary>
    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    internal static unsafe partial nint ReadLinkAtBytes(int dirFd, byte* path, byte* buffer, nuint size);

    // Through the raw syscall: glibc exports getdents64 from 2.30 only.
    internal static unsafe long getdents64(int fd, byte* buffer, int count) =>
        Syscall(SYS_getdents64, fd, (nint)buffer, count);
}
