using System.Buffers.Binary;
using System.Globalization;

namespace Stockade.Linux.Canary;

/// <summary>
/// Run by the worker after seccomp and before any plugin code: tries actions the sandbox must forbid and
/// reports, per action, whether the kernel refused it. Each probe is harmless if it unexpectedly succeeds
/// (a created file is removed, a socket is closed, a signal 0 delivers nothing, exec cannot replace us).
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

    private static CanaryProbeResult Denied(string name, int errno, string what, int alsoBlocked = EPERM)
    {
        bool blocked = errno is EPERM or EACCES || errno == alsoBlocked;
        return new(name, blocked ? CanaryOutcome.Blocked : CanaryOutcome.Inconclusive, errno,
            blocked ? what + " refused with errno " + Number(errno) : string.Concat(what, " failed with errno ", Number(errno), ", which proves no confinement"));
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
