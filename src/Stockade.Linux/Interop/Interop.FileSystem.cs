using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const int O_NONBLOCK = 0x800;
    internal const int O_NOFOLLOW = 0x20000;
    internal const int O_NOCTTY = 0x100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const int AT_REMOVEDIR = 0x200;
    internal const int AT_EMPTY_PATH = 0x1000;

    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int ENOTDIR = 20;
    internal const int EISDIR = 21;
    internal const int EMFILE = 24;
    internal const int ENOTEMPTY = 39;
    internal const int ELOOP = 40;
    internal const int EPERM = 1;

    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFSOCK = 0xC000;
    internal const uint S_IFLNK = 0xA000;
    internal const uint S_IFREG = 0x8000;
    internal const uint S_IFBLK = 0x6000;
    internal const uint S_IFDIR = 0x4000;
    internal const uint S_IFCHR = 0x2000;
    internal const uint S_IFIFO = 0x1000;

    /// <summary>The x86_64 <c>struct stat</c> (144 bytes); only the fields Stockade reads are named.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 144)]
    internal struct stat
    {
        [FieldOffset(0)] public ulong st_dev;
        [FieldOffset(8)] public ulong st_ino;
        [FieldOffset(16)] public ulong st_nlink;
        [FieldOffset(24)] public uint st_mode;
        [FieldOffset(28)] public uint st_uid;
        [FieldOffset(32)] public uint st_gid;
        [FieldOffset(48)] public long st_size;
        [FieldOffset(64)] public long st_blocks;
    }

    [LibraryImport(Libc, EntryPoint = "fstatat", SetLastError = true)]
    internal static unsafe partial int fstatat(int dirFd, byte* path, stat* buffer, int flags);

    [LibraryImport(Libc, EntryPoint = "fchownat", SetLastError = true)]
    internal static unsafe partial int fchownat(int dirFd, byte* path, uint owner, uint group, int flags);

    [LibraryImport(Libc, EntryPoint = "fchown", SetLastError = true)]
    internal static partial int fchown(int fd, uint owner, uint group);

    [LibraryImport(Libc, EntryPoint = "fstat", SetLastError = true)]
    internal static unsafe partial int fstat(int fd, stat* buffer);

    [LibraryImport(Libc, EntryPoint = "unlinkat", SetLastError = true)]
    internal static unsafe partial int unlinkat(int dirFd, byte* path, int flags);

    [LibraryImport(Libc, EntryPoint = "renameat", SetLastError = true)]
    internal static unsafe partial int renameat(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath);

    [LibraryImport(Libc, EntryPoint = "mkdirat", SetLastError = true)]
    internal static unsafe partial int mkdirat(int dirFd, byte* path, uint mode);

    [LibraryImport(Libc, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int fchmod(int fd, uint mode);

    [LibraryImport(Libc, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long lseek(int fd, long offset, int whence);
}
