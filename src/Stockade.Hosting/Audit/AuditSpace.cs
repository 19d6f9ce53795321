using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Stockade.Hosting.Audit;

/// <summary>
/// Disk space held ahead of the audit file. <c>fallocate(FALLOC_FL_KEEP_SIZE)</c> allocates blocks past the end of the
/// file without changing its size, so readers, <c>verify</c> and other writers see exactly the records and nothing else,
/// while the next appends land in blocks that are already the file's: a full disk cannot fail them. <c>fstat</c>'s
/// <c>st_blocks</c> says how much is held (also after another process appended into it); a clean close gives the
/// unused part back (<c>FALLOC_FL_PUNCH_HOLE</c> past the end).
/// </summary>
internal static class AuditSpace
{
    private const int FallocKeepSize = 0x01;
    private const int FallocPunchHole = 0x02;
    private const int Enospc = 28;
    private const int Eopnotsupp = 95;

    /// <summary>Outcome of <see cref="Reserve"/>.</summary>
    public enum ReserveResult
    {
        Reserved,
        NoSpace,
        NotSupported,
    }

    /// <summary>Whether this platform has the calls (Linux x64 or arm64: the <c>struct stat</c> offsets below hold for both).</summary>
    public static bool Supported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Bytes allocated to the file beyond its size (the reserve still unused), or -1 when unknown.</summary>
    public static long HeldBeyondEnd(SafeFileHandle handle)
    {
        if (!Supported)
        {
            return -1;
        }

        Span<byte> stat = stackalloc byte[256];
        if (Fstat((int)handle.DangerousGetHandle(), ref MemoryMarshal.GetReference(stat)) != 0)
        {
            return -1;
        }

        var size = BitConverter.ToInt64(stat[48..56]);
        var blocks = BitConverter.ToInt64(stat[64..72]);
        return Math.Max(0, (blocks * 512) - size);
    }

    /// <summary>Allocates <paramref name="length"/> bytes from <paramref name="offset"/> without changing the file's size.</summary>
    public static ReserveResult Reserve(SafeFileHandle handle, long offset, long length)
    {
        if (!Supported)
        {
            return ReserveResult.NotSupported;
        }

        if (Fallocate((int)handle.DangerousGetHandle(), FallocKeepSize, offset, length) == 0)
        {
            return ReserveResult.Reserved;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Enospc ? ReserveResult.NoSpace : ReserveResult.NotSupported;
    }

    /// <summary>Gives back what is allocated past the end of the file; false when the file system could not.</summary>
    public static bool Release(SafeFileHandle handle, long size, long held)
    {
        if (!Supported || held <= 0)
        {
            return true;
        }

        return Fallocate((int)handle.DangerousGetHandle(), FallocPunchHole | FallocKeepSize, size, held) == 0
            || Marshal.GetLastPInvokeError() == Eopnotsupp;
    }

    /// <summary>Bytes free to an unprivileged writer on the file system of <paramref name="path"/>, or -1 when unknown.</summary>
    public static long FreeBytes(string path)
    {
        if (!Supported)
        {
            return -1;
        }

        Span<byte> buffer = stackalloc byte[128];
        if (Statvfs(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return -1;
        }

        var fragment = BitConverter.ToInt64(buffer[8..16]);
        var available = BitConverter.ToInt64(buffer[32..40]);
        return fragment * available;
    }

    [DllImport("libc", EntryPoint = "fallocate64", SetLastError = true)]
    private static extern int Fallocate(int fd, int mode, long offset, long length);

    [DllImport("libc", EntryPoint = "fstat64", SetLastError = true)]
    private static extern int Fstat(int fd, ref byte stat);

    [DllImport("libc", EntryPoint = "statvfs64", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Statvfs(string path, ref byte buffer);
}
