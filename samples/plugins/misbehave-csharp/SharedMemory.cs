using System.Runtime.InteropServices;

namespace Samples.Misbehave;

/// <summary>Shared anonymous mappings: resident memory that RLIMIT_DATA and the GC heap limit do not count.</summary>
internal static partial class SharedMemory
{
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapShared = 0x01;
    private const int MapAnonymous = 0x20;

    /// <summary>Maps <paramref name="bytes"/> and writes every page so they are resident.</summary>
    /// <returns>The mapping, or <see cref="IntPtr.Zero"/> with <paramref name="errno"/> set when the kernel refused.</returns>
    public static unsafe IntPtr MapTouched(long bytes, out int errno)
    {
        var address = Mmap(IntPtr.Zero, (nuint)bytes, ProtRead | ProtWrite, MapShared | MapAnonymous, -1, 0);
        if (address == new IntPtr(-1))
        {
            errno = Marshal.GetLastPInvokeError();
            return IntPtr.Zero;
        }

        errno = 0;
        var span = new Span<byte>((void*)address, checked((int)bytes));
        span.Fill(1);
        return address;
    }

    public static void Unmap(IntPtr address, long bytes) => _ = Munmap(address, (nuint)bytes);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial IntPtr Mmap(IntPtr address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(IntPtr address, nuint length);
}
