using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Stockade.Hosting.Audit;

/// <summary>
/// <c>audit/.writers</c>: every audit writer holds a shared <c>flock</c> on it while it has the folder open, so
/// <c>verify</c> can ask "is some writer open now?" by trying an exclusive one without waiting. The file lives in a
/// folder an attacker may write, so it is opened without following links and without blocking (a FIFO put in its
/// place would hang a plain open), and anything but a regular file is refused.
/// </summary>
internal static class WritersMarker
{
    /// <summary>The marker's file name inside the audit folder.</summary>
    public const string FileName = ".writers";

    private const int ORdOnly = 0, ORdWr = 2, OCreat = 0x40, ONonBlock = 0x800, OCloExec = 0x80000;
    private const int LockSh = 1, LockEx = 2, LockNb = 4;
    private const int Ewouldblock = 11, Eloop = 40, Enoent = 2, Eintr = 4;
    private const uint SIfMt = 0xF000, SIfReg = 0x8000;

    /// <summary>What <see cref="Probe"/> found.</summary>
    public enum State
    {
        /// <summary>No writer holds the marker (or there is none: no writer ever opened the folder).</summary>
        NoWriter,

        /// <summary>Some writer holds its shared lock now.</summary>
        WriterOpen,

        /// <summary>Something other than a regular file stands at the marker's path (a FIFO, a link, a folder, a device).</summary>
        NotARegularFile,

        /// <summary>The marker could not be opened or locked for another reason (permissions): nothing can be told.</summary>
        Unreadable,
    }

    private static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    // O_NOFOLLOW differs between the x86-64 and the generic (arm64) flag tables.
    private static int ONoFollow => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    /// <summary>Whether a writer has <paramref name="auditDirectory"/> open now; never blocks, never follows a link.</summary>
    /// <param name="auditDirectory">The audit folder.</param>
    /// <param name="problem">Why the answer is <see cref="State.NotARegularFile"/> or <see cref="State.Unreadable"/>, in plain words.</param>
    public static State Probe(string auditDirectory, out string? problem)
    {
        problem = null;
        var path = Path.Combine(auditDirectory, FileName);
        if (!Supported)
        {
            return ProbePortable(path, out problem);
        }

        var fd = Open(path, ORdOnly | ONonBlock | ONoFollow | OCloExec, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Enoent)
            {
                return State.NoWriter;
            }

            problem = errno == Eloop
                ? $"{path} is a symbolic link, not the regular file audit writers lock (it was replaced)"
                : $"{path} cannot be opened ({Marshal.GetPInvokeErrorMessage(errno)})";
            return errno == Eloop ? State.NotARegularFile : State.Unreadable;
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!IsRegular(fd, out var kind))
        {
            problem = $"{path} is {kind}, not the regular file audit writers lock (it was replaced)";
            return State.NotARegularFile;
        }

        if (Flock(fd, LockEx | LockNb) == 0)
        {
            return State.NoWriter; // released when the handle closes
        }

        var lockErrno = Marshal.GetLastPInvokeError();
        if (lockErrno == Ewouldblock)
        {
            return State.WriterOpen;
        }

        problem = $"{path} cannot be locked ({Marshal.GetPInvokeErrorMessage(lockErrno)})";
        return State.Unreadable;
    }

    /// <summary>
    /// Opens (creating) the marker and takes the shared lock a writer holds while open; null when it cannot (the path is
    /// not a regular file, or permissions): the writer still works, and <c>verify</c> then treats it as not open.
    /// </summary>
    /// <param name="auditDirectory">The audit folder.</param>
    public static SafeFileHandle? OpenShared(string auditDirectory)
    {
        var path = Path.Combine(auditDirectory, FileName);
        if (!Supported)
        {
            try
            {
                return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        var fd = Open(path, ORdWr | OCreat | ONonBlock | ONoFollow | OCloExec, 420 /* 0644 */);
        if (fd < 0)
        {
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!IsRegular(fd, out _))
        {
            handle.Dispose();
            return null;
        }

        // A verifier may hold the exclusive lock for the instant of its probe: try again for a little while.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (Flock(fd, LockSh | LockNb) == 0)
            {
                return handle;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (Ewouldblock or Eintr))
            {
                break;
            }

            Thread.Sleep(5);
        }

        handle.Dispose();
        return null;
    }

    private static State ProbePortable(string path, out string? problem)
    {
        problem = null;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Directory.Exists(path) || info.LinkTarget is not null ? NotRegular(out problem) : State.NoWriter;
            }

            if (info.LinkTarget is not null)
            {
                return NotRegular(out problem);
            }

            using var exclusive = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1, FileOptions.None);
            return State.NoWriter;
        }
        catch (UnauthorizedAccessException ex)
        {
            problem = $"{path} cannot be opened ({ex.Message})";
            return State.Unreadable;
        }
        catch (IOException)
        {
            return State.WriterOpen;
        }

        State NotRegular(out string? why)
        {
            why = $"{path} is not the regular file audit writers lock (it was replaced)";
            return State.NotARegularFile;
        }
    }

    private static bool IsRegular(int fd, out string kind)
    {
        Span<byte> stat = stackalloc byte[256];
        if (Fstat(fd, ref MemoryMarshal.GetReference(stat)) != 0)
        {
            kind = "something that cannot be examined";
            return false;
        }

        // st_mode: after st_dev, st_ino, st_nlink (8 bytes each) on x86-64; after st_dev, st_ino on the generic table.
        var offset = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 16 : 24;
        var mode = BitConverter.ToUInt32(stat[offset..(offset + 4)]) & SIfMt;
        kind = mode switch
        {
            SIfReg => "a regular file",
            0x1000 => "a FIFO (named pipe)",
            0x4000 => "a folder",
            0xA000 => "a symbolic link",
            0xC000 => "a socket",
            0x2000 or 0x6000 => "a device",
            _ => "not a regular file",
        };
        return mode == SIfReg;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Open(string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "fstat64", SetLastError = true)]
    private static extern int Fstat(int fd, ref byte stat);
}
