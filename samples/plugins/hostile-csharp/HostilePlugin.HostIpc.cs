using Stockade.Plugin;
using System.Net.Sockets;
using System.Text;

namespace Samples.Hostile;

// Issue 14, class 1: the host's own IPC endpoints. Pathname Unix sockets are outside Landlock ABI 7,
// so only the seccomp filter (no AF_UNIX socket at all) keeps a plugin from them.
public sealed partial class HostilePlugin
{
    /// <summary>Connects to a pathname Unix stream socket (one the test host listens on) and sends a byte.</summary>
    [PluginMethod("unixConnect")]
    public AttemptReport UnixConnect(ProbeInput? input)
    {
        var path = input?.Path ?? "/run/systemd/private";
        return AttemptReport.Try($"unixConnect {path}", () =>
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send("stockade"u8);
        });
    }

    /// <summary>
    /// Talks to a .NET diagnostics socket (<c>/tmp/dotnet-diagnostic-&lt;pid&gt;-*-socket</c>): sends the
    /// Diagnostics IPC ProcessInfo command and succeeds when the runtime answers, i.e. the plugin can
    /// read the host's environment or make it load code.
    /// </summary>
    [PluginMethod("diagnosticsSocket")]
    public AttemptReport DiagnosticsSocket(ProbeInput? input)
    {
        var pid = input?.Pid ?? Native.GetParentProcessId();
        var path = input?.Path;
        return AttemptReport.Try($"diagnosticsSocket {path ?? $"/tmp/dotnet-diagnostic-{pid}-*-socket"}", () =>
        {
            path ??= Directory.EnumerateFiles("/tmp", $"dotnet-diagnostic-{pid}-*-socket").FirstOrDefault()
                ?? throw new FileNotFoundException($"no diagnostics socket of pid {pid} is visible in /tmp");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.ReceiveTimeout = 5000;

            // Header: magic "DOTNET_IPC_V1\0", total size (u16), command set 0x04 (Process), command 0x00 (ProcessInfo), reserved (u16).
            var header = new byte[20];
            Encoding.ASCII.GetBytes("DOTNET_IPC_V1\0").CopyTo(header, 0);
            BitConverter.TryWriteBytes(header.AsSpan(14), (ushort)20);
            header[16] = 0x04;
            header[17] = 0x00;
            socket.Send(header);
            var answer = new byte[4096];
            var read = socket.Receive(answer);
            if (read < 20 || Encoding.ASCII.GetString(answer, 0, 13) != "DOTNET_IPC_V1")
            {
                throw new IOException($"connected, but the endpoint answered {read} bytes that are not a diagnostics reply");
            }
        });
    }

    /// <summary>Creates a datagram pair of Unix sockets and sends through it to a pathname socket.</summary>
    [PluginMethod("socketPair")]
    public unsafe AttemptReport SocketPair(ProbeInput? input)
    {
        // A nameless stream pair reaches nothing; a datagram pair can still sendto() any pathname socket.
        var path = input?.Path ?? "/dev/log";
        return AttemptReport.Try($"socketPair AF_UNIX SOCK_DGRAM, sendto {path}", () =>
        {
            var fds = stackalloc int[2];
            Native.Checked("socketpair(AF_UNIX, SOCK_DGRAM)", Native.SysSocketpair, Native.AfUnix, Native.SockDgram | Native.SockCloexec, 0, (nint)fds);
            Native.Close(fds[1]);
            using var socket = new Socket(new SafeSocketHandle(fds[0], ownsHandle: true));
            socket.SendTo("stockade"u8, new UnixDomainSocketEndPoint(path));
        });
    }

    /// <summary>Sends one datagram to a pathname Unix datagram socket (no connect, just sendto).</summary>
    [PluginMethod("unixDatagram")]
    public AttemptReport UnixDatagram(ProbeInput? input)
    {
        var path = input?.Path ?? "/dev/log";
        return AttemptReport.Try($"unixDatagram {path}", () =>
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo("stockade"u8, new UnixDomainSocketEndPoint(path));
        });
    }

    /// <summary>Opens any Unix socket at all (the first step of every attack above).</summary>
    [PluginMethod("unixSocket")]
    public AttemptReport UnixSocket() => AttemptReport.Try("unixSocket socket(AF_UNIX)", () =>
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    });
}
