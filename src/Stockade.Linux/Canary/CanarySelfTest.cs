using System.Buffers.Binary;
using System.Globalization;

namespace Stockade.Linux.Canary;

/// <summary>
/// Run by the worker after seccomp and before any plugin code (and by the launcher after the filter and before it
/// execs an executable plugin): tries actions the sandbox must forbid and reports, per action, whether the kernel
/// refused it. Each probe is harmless if it unexpectedly succeeds (a created file or segment is removed, a socket or
/// descriptor is closed, a signal 0 delivers nothing, exec cannot replace us, the parent-death signal is set to the
/// value it already had, the parent's limit is only read).
/// </summary>
/// <remarks>
/// On the worker's start path: the messages are joined with <see cref="string.Concat(string, string, string)"/> and
/// numbers formatted with <see cref="int.ToString(IFormatProvider)"/>, not interpolated (each interpolated number
/// JIT-compiles a generic formatter first), and the loopback address is text, not <c>IPAddress</c> (which loads
/// another assembly to print "127.0.0.1").
/// </remarks>
internal static class CanarySelfTest
{
    private const int EPERM = 1, EACCES = 13, EFAULT = 14, EROFS = 30, ECONNREFUSED = 111;
    private const string Loopback = "127.0.0.1";

    /// <summary>Every probe: the file and exec probes (Landlock) and the kernel classes seccomp holds.</summary>
    internal static CanaryReport Run(CanaryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CanaryReport(
        [
            Traced(ForbiddenRead(options.ForbiddenReadPath)),
            Traced(ForbiddenWrite(options.ForbiddenWriteDirectory)),
            Traced(InternetSocket(options.ConnectPort)),
            Traced(Exec(options.ExecPath)),
            Traced(SignalParent()),
            Traced(UnixSocket(options.UnixSocketPath)),
            Traced(ParentLimit()),
            Traced(ClearParentDeathSignal()),
            Traced(SetUidBit(options.WritableDirectory)),
            Traced(SysVSharedMemory()),
            Traced(Inotify()),
        ]);
    }

    /// <summary>
    /// The probes the launcher runs under an executable plugin's filter before its exec: those that do not depend on
    /// which files Landlock grants the plugin's interpreter (the launcher's exec probe would be the plugin's own).
    /// </summary>
    internal static CanaryReport RunBeforeExec(CanaryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CanaryReport(
        [
            InternetSocket(options.ConnectPort),
            SignalParent(),
            UnixSocket(options.UnixSocketPath),
            ParentLimit(),
            ClearParentDeathSignal(),
            SetUidBit(options.WritableDirectory),
            SysVSharedMemory(),
            Inotify(),
        ]);
    }

    private static CanaryProbeResult Traced(CanaryProbeResult result)
    {
        Launch.StartupTrace.Mark("canary-" + result.Name);
        return result;
    }

    private static CanaryProbeResult ForbiddenRead(string path)
    {
        using SafeFdHandle fd = Interop.open(path, Interop.O_RDONLY | Interop.O_CLOEXEC, 0);
        return fd.IsInvalid
            ? Denied("read", Interop.LastErrno, "open(" + path + ", O_RDONLY)")
            : new("read", CanaryOutcome.Allowed, 0, "opened " + path + " for reading");
    }

    private static CanaryProbeResult ForbiddenWrite(string directory)
    {
        // Not Guid.NewGuid: it needs a random source the sandbox may not grant.
        string path = Path.Combine(directory, string.Concat(".stockade-canary-", Number(Environment.ProcessId), "-",
            Environment.TickCount64.ToString(CultureInfo.InvariantCulture)));
        using SafeFdHandle fd = Interop.open(path, Interop.O_WRONLY | Interop.O_CREAT | Interop.O_EXCL | Interop.O_CLOEXEC, 0b110_000_000);
        if (fd.IsInvalid)
        {
            return Denied("write", Interop.LastErrno, "create " + path, EROFS);
        }

        Interop.unlink(path);
        return new("write", CanaryOutcome.Allowed, 0, "created (and removed) " + path);
    }

    private static CanaryProbeResult InternetSocket(int port)
    {
        using SafeFdHandle socket = Interop.socket(Interop.AF_INET, Interop.SOCK_STREAM | Interop.SOCK_CLOEXEC, 0);
        if (socket.IsInvalid)
        {
            return Denied("socket", Interop.LastErrno, "socket(AF_INET, SOCK_STREAM)");
        }

        var address = new Interop.sockaddr_in
        {
            sin_family = Interop.AF_INET,
            sin_port = BinaryPrimitives.ReverseEndianness((ushort)port),
            sin_addr = BinaryPrimitives.ReverseEndianness(0x7f000001u),
        };
        if (Interop.connect(socket, address, 16) == 0)
        {
            return new("socket", CanaryOutcome.Allowed, 0, string.Concat("connected to ", Loopback, ":", Number(port)));
        }

        int errno = Interop.LastErrno;
        return errno == ECONNREFUSED
            ? new("socket", CanaryOutcome.Allowed, errno, string.Concat("an AF_INET socket reached ", Loopback, ":", Number(port), " (connection refused by the peer, not by the sandbox)"))
            : Denied("socket", errno, string.Concat("connect(", Loopback, ":", Number(port), ")"));
    }

    /// <summary>
    /// execve with a deliberately invalid argv pointer. The kernel checks seccomp first (EPERM), then opens the
    /// file (Landlock EXECUTE: EACCES), and only then copies argv, failing with EFAULT long before the point of no
    /// return. So EFAULT means "this exec would have been allowed" and the worker is never replaced.
    /// </summary>
    private static unsafe CanaryProbeResult Exec(string path)
    {
        int result = Interop.execve(path, (byte**)1, null);
        int errno = Interop.LastErrno;
        if (result == 0 || errno == EFAULT)
        {
            return new("exec", CanaryOutcome.Allowed, errno, "execve(" + path + ") got past seccomp and Landlock (stopped only by the invalid argv)");
        }

        return Denied("exec", errno, "execve(" + path + ")");
    }

    private static CanaryProbeResult SignalParent()
    {
        int parent = Interop.getppid();
        if (parent == 0)
        {
            return new("signal", CanaryOutcome.Skipped, 0, "no nameable parent (pid namespace): nothing to signal");
        }

        return Interop.kill(parent, 0) == 0
            ? new("signal", CanaryOutcome.Allowed, 0, "kill(" + Number(parent) + ", 0) reached the parent")
            : Denied("signal", Interop.LastErrno, "kill(" + Number(parent) + ", 0)");
    }

    /// <summary>
    /// A pathname Unix socket reaches anything listening on the machine (Landlock ABI 7 does not cover them; the host's
    /// .NET diagnostics socket is one): <c>socket(AF_UNIX)</c> itself must be refused.
    /// </summary>
    private static unsafe CanaryProbeResult UnixSocket(string? path)
    {
        using SafeFdHandle socket = Interop.socket(Interop.AF_UNIX, Interop.SOCK_STREAM | Interop.SOCK_CLOEXEC, 0);
        if (socket.IsInvalid)
        {
            return Denied("unix-socket", Interop.LastErrno, "socket(AF_UNIX, SOCK_STREAM)");
        }

        if (path is null || path.Length > 107)
        {
            return new("unix-socket", CanaryOutcome.Allowed, 0, "socket(AF_UNIX) succeeded");
        }

        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
        byte* address = stackalloc byte[110];
        new Span<byte>(address, 110).Clear();
        *(ushort*)address = Interop.AF_UNIX;
        System.Text.Encoding.UTF8.GetBytes(path, new Span<byte>(address + 2, 107));
        long result = Interop.Syscall(Interop.SyscallTable.connect, socket.DangerousGetHandle(), (nint)address, 110);
        return result == 0
            ? new("unix-socket", CanaryOutcome.Allowed, 0, "connected to " + path)
            : new("unix-socket", CanaryOutcome.Allowed, Interop.LastErrno, "socket(AF_UNIX) succeeded (connect to " + path + " failed with errno " + Number(Interop.LastErrno) + ")");
    }

    /// <summary>prlimit64 on the parent, read only (new = NULL): with RLIMIT_CPU on the host it killed the host.</summary>
    private static unsafe CanaryProbeResult ParentLimit()
    {
        // Inside a pid namespace the parent is not nameable; any pid but our own must be refused by the filter
        // before the kernel looks it up, so a pid that may not exist proves the same (ESRCH would mean it got through).
        int self = Environment.ProcessId;
        int target = Interop.getppid();
        if (target == 0)
        {
            target = self == 1 ? 2 : 1;
        }

        ulong* limit = stackalloc ulong[2];
        long result = Interop.Syscall(Interop.SyscallTable.prlimit64, target, 0 /* RLIMIT_CPU */, 0, (nint)limit);
        return result == 0
            ? new("prlimit", CanaryOutcome.Allowed, 0, "prlimit64(" + Number(target) + ", RLIMIT_CPU) read another process's limit")
            : Denied("prlimit", Interop.LastErrno, "prlimit64(" + Number(target) + ", RLIMIT_CPU, NULL)");
    }

    /// <summary>Clearing the parent-death signal would let a worker outlive a killed host: setting it (to the value it has) must be refused.</summary>
    private static unsafe CanaryProbeResult ClearParentDeathSignal()
    {
        int signal = 0;
        if (Interop.prctl(Interop.PR_GET_PDEATHSIG, (nuint)(&signal), 0, 0, 0) != 0)
        {
            return new("pdeathsig", CanaryOutcome.Inconclusive, Interop.LastErrno, "prctl(PR_GET_PDEATHSIG) failed with errno " + Number(Interop.LastErrno));
        }

        return Interop.prctl(Interop.PR_SET_PDEATHSIG, (nuint)signal, 0, 0, 0) == 0
            ? new("pdeathsig", CanaryOutcome.Allowed, 0, "prctl(PR_SET_PDEATHSIG, " + Number(signal) + ") succeeded (the value was left as it was)")
            : Denied("pdeathsig", Interop.LastErrno, "prctl(PR_SET_PDEATHSIG, " + Number(signal) + ")");
    }

    /// <summary>
    /// A setuid file planted where the host runs as root is root for anyone. Creating a file with S_ISUID must fail with
    /// EPERM: seccomp checks the mode before Landlock looks at the folder (which would answer EACCES), so this holds
    /// even where the folder is not writable. Where a plain file can be created, fchmod to S_ISUID must fail too.
    /// </summary>
    private static CanaryProbeResult SetUidBit(string directory)
    {
        string path = Path.Combine(directory, string.Concat(".stockade-canary-setuid-", Number(Environment.ProcessId), "-",
            Environment.TickCount64.ToString(CultureInfo.InvariantCulture)));
        const int Create = Interop.O_WRONLY | Interop.O_CREAT | Interop.O_EXCL | Interop.O_CLOEXEC;
        using (SafeFdHandle setuid = Interop.open(path, Create, 0b100_110_000_000 /* S_ISUID | 0600 */))
        {
            if (!setuid.IsInvalid)
            {
                Interop.unlink(path);
                return new("setuid", CanaryOutcome.Allowed, 0, "created " + path + " with the setuid bit (removed)");
            }

            if (Interop.LastErrno != EPERM)
            {
                return new("setuid", CanaryOutcome.Inconclusive, Interop.LastErrno,
                    "open(" + path + ", O_CREAT, 04600) failed with errno " + Number(Interop.LastErrno) + ", not with seccomp's EPERM");
            }
        }

        using SafeFdHandle fd = Interop.open(path, Create, 0b110_000_000);
        if (fd.IsInvalid)
        {
            return new("setuid", CanaryOutcome.Blocked, EPERM, "open(" + path + ", O_CREAT, 04600) refused with errno 1 (no plain file to try fchmod on)");
        }

        long result = Interop.Syscall(Interop.SyscallTable.fchmod, fd.DangerousGetHandle(), 0b100_111_000_000 /* S_ISUID | 0700 */);
        int errno = Interop.LastErrno;
        Interop.unlink(path);
        return result == 0
            ? new("setuid", CanaryOutcome.Allowed, 0, "set the setuid bit on " + path + " with fchmod (removed)")
            : Denied("setuid", errno, "open with 04600 and fchmod(" + path + ", 04700)");
    }

    /// <summary>SysV shared memory outlives the worker and every memory limit: creating a segment must be refused.</summary>
    private static CanaryProbeResult SysVSharedMemory()
    {
        long id = Interop.Syscall(Interop.SyscallTable.shmget, 0 /* IPC_PRIVATE */, 4096, 0x200 /* IPC_CREAT */ | 0b110_000_000);
        if (id < 0)
        {
            return Denied("sysv-ipc", Interop.LastErrno, "shmget(IPC_PRIVATE)");
        }

        Interop.Syscall(Interop.SyscallTable.shmctl, (nint)id, 0 /* IPC_RMID */, 0);
        return new("sysv-ipc", CanaryOutcome.Allowed, 0, "shmget(IPC_PRIVATE) created segment " + Number((int)id) + " (removed)");
    }

    /// <summary>inotify watches paths seccomp cannot see (the audit folder, /etc): creating an instance must be refused.</summary>
    private static CanaryProbeResult Inotify()
    {
        long fd = Interop.Syscall(Interop.SyscallTable.inotify_init1, Interop.O_CLOEXEC);
        if (fd < 0)
        {
            return Denied("inotify", Interop.LastErrno, "inotify_init1");
        }

        Interop.close((int)fd);
        return new("inotify", CanaryOutcome.Allowed, 0, "inotify_init1 returned a descriptor (closed)");
    }

    private static CanaryProbeResult Denied(string name, int errno, string what, int alsoBlocked = EPERM)
    {
        bool blocked = errno is EPERM or EACCES || errno == alsoBlocked;
        return new(name, blocked ? CanaryOutcome.Blocked : CanaryOutcome.Inconclusive, errno,
            blocked ? what + " refused with errno " + Number(errno) : string.Concat(what, " failed with errno ", Number(errno), ", which proves no confinement"));
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
