using System.Globalization;
using System.Text;

namespace Stockade.Linux.Launch;

/// <summary>
/// What the launcher and the worker measured about their own confinement, sent to the host on the report socket (an
/// inherited <c>SOCK_SEQPACKET</c> descriptor) before any plugin code runs: one message of <c>key=value</c> lines per
/// step, the seccomp listener attached to the message that names it. The host trusts only messages that arrive
/// before the <see cref="PhaseReady"/> one (after it plugin code may run, and the host stops reading).
/// </summary>
internal static class KernelReport
{
    /// <summary>The environment variable that gives the .NET worker the report descriptor's number.</summary>
    internal const string DescriptorVariable = "STOCKADE_KERNEL_REPORT_FD";

    /// <summary>The largest message either side sends or reads.</summary>
    internal const int MaxMessageBytes = 1024;

    internal const string Phase = "phase";
    internal const string PhaseConfined = "confined";
    internal const string PhaseReady = "ready";
    internal const string From = "from";
    internal const string Landlock = "landlock";
    internal const string LandlockAbi = "landlock-abi";
    internal const string LandlockLog = "landlock-log";
    internal const string Seccomp = "seccomp";
    internal const string SeccompProfile = "seccomp-profile";
    internal const string Listener = "listener";
    internal const string CanaryProbes = "canary-probes";
    internal const string CanaryBlocked = "canary-blocked";

    /// <summary>Formats one message from pairs (keys and values are ours: no '=' or newline in them).</summary>
    internal static string Format(params string[] pairs)
    {
        var text = new StringBuilder();
        for (int i = 0; i + 1 < pairs.Length; i += 2)
        {
            text.Append(pairs[i]).Append('=').Append(pairs[i + 1]).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The number as text (invariant).</summary>
    internal static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Sends <paramref name="message"/> on <paramref name="socket"/>, with <paramref name="attach"/> (≥ 0) passed as
    /// <c>SCM_RIGHTS</c>. False when the host is not listening (a closed socket): confinement does not depend on it.
    /// </summary>
    internal static unsafe bool Send(int socket, string message, int attach = -1)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        if (bytes.Length > MaxMessageBytes)
        {
            throw new ArgumentException($"a kernel report message is at most {MaxMessageBytes} bytes", nameof(message));
        }

        // CMSG_SPACE(sizeof(int)) on x86_64: a 16-byte header, 4 bytes of data, aligned to 8.
        byte* control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        fixed (byte* data = bytes)
        {
            var io = new Interop.iovec { iov_base = data, iov_len = (nuint)bytes.Length };
            var header = new Interop.msghdr { msg_iov = &io, msg_iovlen = 1 };
            if (attach >= 0)
            {
                var cmsg = (Interop.cmsghdr*)control;
                cmsg->cmsg_len = 20;
                cmsg->cmsg_level = Interop.SOL_SOCKET;
                cmsg->cmsg_type = Interop.SCM_RIGHTS;
                *(int*)(control + 16) = attach;
                header.msg_control = control;
                header.msg_controllen = 24;
            }

            return Interop.sendmsg(socket, &header, Interop.MSG_NOSIGNAL) == bytes.Length;
        }
    }

    /// <summary>
    /// Receives one message without blocking: its text, and a descriptor passed with it (close-on-exec, owned by the
    /// caller) or −1. Returns false when nothing is waiting (<paramref name="closed"/> false) or the peer is gone.
    /// </summary>
    internal static unsafe bool TryReceive(int socket, out string message, out int attached, out bool closed)
    {
        message = string.Empty;
        attached = -1;
        closed = false;
        byte* buffer = stackalloc byte[MaxMessageBytes];

        // Room for a few descriptors: whatever a peer attaches beyond the first is closed at once.
        const int ControlBytes = 64;
        byte* control = stackalloc byte[ControlBytes];
        var io = new Interop.iovec { iov_base = buffer, iov_len = MaxMessageBytes };
        var header = new Interop.msghdr { msg_iov = &io, msg_iovlen = 1, msg_control = control, msg_controllen = ControlBytes };
        nint read = Interop.recvmsg(socket, &header, Interop.MSG_DONTWAIT | Interop.MSG_CMSG_CLOEXEC);
        if (read < 0)
        {
            int errno = Interop.LastErrno;
            closed = errno is not (Interop.EAGAIN or Interop.EINTR);
            return false;
        }

        if (read == 0 && header.msg_controllen == 0)
        {
            closed = true;
            return false;
        }

        for (nuint at = 0; at + 16 <= header.msg_controllen;)
        {
            var cmsg = (Interop.cmsghdr*)(control + at);
            if (cmsg->cmsg_len < 16)
            {
                break;
            }

            if (cmsg->cmsg_level == Interop.SOL_SOCKET && cmsg->cmsg_type == Interop.SCM_RIGHTS)
            {
                for (nuint d = 16; d + 4 <= cmsg->cmsg_len; d += 4)
                {
                    int fd = *(int*)(control + at + d);
                    if (attached < 0)
                    {
                        attached = fd;
                    }
                    else
                    {
                        Interop.close(fd);
                    }
                }
            }

            at += (cmsg->cmsg_len + 7) & ~(nuint)7;
        }

        message = (header.msg_flags & Interop.MSG_TRUNC) != 0 ? string.Empty : Encoding.UTF8.GetString(buffer, (int)read);
        return true;
    }

    /// <summary>Parses a message into its pairs; lines without '=' are ignored, values are bounded by the message size.</summary>
    internal static Dictionary<string, string> Parse(string message)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in message.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                pairs[line[..equals]] = line[(equals + 1)..];
            }
        }

        return pairs;
    }

    /// <summary>A connected pair for the report: [0] stays with the host, [1] goes to the launcher; both close-on-exec.</summary>
    internal static unsafe (SafeFdHandle Host, SafeFdHandle Worker) CreatePair()
    {
        int* fds = stackalloc int[2];
        Interop.Check(Interop.socketpair(Interop.AF_UNIX, Interop.SOCK_SEQPACKET | Interop.SOCK_CLOEXEC, 0, fds), "socketpair(AF_UNIX, SOCK_SEQPACKET)");
        return (new SafeFdHandle(fds[0], ownsHandle: true), new SafeFdHandle(fds[1], ownsHandle: true));
    }
}
