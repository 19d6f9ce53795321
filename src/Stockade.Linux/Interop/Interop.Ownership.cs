using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    // struct stat on x86_64 (<bits/struct_stat.h>): 144 bytes, st_mode at 24, st_uid at 28, st_gid at 32.
    internal const int SizeOfStat = 144;
    internal const int StatModeOffset = 24;
    internal const int StatUidOffset = 28;
    internal const int StatGidOffset = 32;

    [LibraryImport(Libc, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int lchown(string path, uint owner, uint group);

    // glibc exports lstat from 2.33 (this machine: 2.36); it never follows a final symlink.
    [LibraryImport(Libc, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int lstat(string path, byte* buffer);
}
