using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const int O_RDONLY = 0;
    internal const int O_WRONLY = 1;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_DIRECTORY = 0x10000;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_PATH = 0x200000;

    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int FD_CLOEXEC = 1;

    internal const uint CLOSE_RANGE_CLOEXEC = 1u << 2;

    // Returns int, not a SafeHandle: the marshaller would read the 32-bit −1 as 0xFFFFFFFF, a "valid" handle.
    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags, int mode);

    /// <summary>open(2); the handle is invalid on failure and <see cref="LastErrno"/> says why.</summary>
    internal static SafeFdHandle open(string path, int flags, int mode) => new(OpenRaw(path, flags, mode), ownsHandle: true);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int unlink(string path);

    // Through the raw syscall: the glibc wrapper exists from 2.34 only.
    internal static long close_range(uint first, uint last, uint flags) =>
        Syscall(SyscallNumbers.close_range, (nint)first, (nint)last, (nint)flags);

    /// <summary>Clears FD_CLOEXEC so the descriptor survives <c>execve</c>.</summary>
    internal static void KeepAcrossExec(int fd)
    {
        int flags = Check(fcntl(fd, F_GETFD, 0), $"fcntl(F_GETFD, {fd})");
        Check(fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC), $"fcntl(F_SETFD, {fd})");
    }
}
