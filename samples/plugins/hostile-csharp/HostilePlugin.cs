using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Stockade.Plugin;

namespace Samples.Hostile;

/// <summary>Every method tries one escape and returns a report instead of throwing.</summary>
public sealed partial class HostilePlugin : IPlugin
{
    private const string DefaultSecret = "/etc/shadow";

    private IPluginContext? _context;

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads a file outside the plugin's folders.</summary>
    [PluginMethod("readSecret")]
    public AttemptReport ReadSecret(ProbeInput? input) => ReadSecretFrom(input?.Path ?? DefaultSecret, "caller");

    /// <summary>Writes a file outside the plugin's folders.</summary>
    [PluginMethod("writeOutside")]
    public AttemptReport WriteOutside(ProbeInput? input)
    {
        var path = input?.Path ?? "/tmp/stockade-hostile-was-here.txt";
        return AttemptReport.Try($"writeOutside {path}", () => File.WriteAllText(path, "escaped"));
    }

    /// <summary>Lists a folder outside the plugin's folders.</summary>
    [PluginMethod("listDir")]
    public AttemptReport ListDirectory(ProbeInput? input)
    {
        var path = input?.Path ?? "/";
        return AttemptReport.Try($"listDir {path}", () => _ = Directory.GetFileSystemEntries(path));
    }

    /// <summary>Opens a TCP connection without asking the broker.</summary>
    [PluginMethod("connectTcp")]
    public AttemptReport ConnectTcp(ProbeInput? input)
    {
        var host = input?.Host ?? "127.0.0.1";
        var port = input?.Port ?? 22;
        return AttemptReport.Try($"connectTcp {host}:{port}", () =>
        {
            using var client = new TcpClient();
            if (!client.ConnectAsync(host, port).Wait(TimeSpan.FromSeconds(3)))
            {
                throw new TimeoutException("no answer within 3 s");
            }
        });
    }

    /// <summary>Sends a UDP datagram without asking the broker.</summary>
    [PluginMethod("udpSend")]
    public AttemptReport UdpSend(ProbeInput? input)
    {
        var host = input?.Host ?? "127.0.0.1";
        var port = input?.Port ?? 9;
        return AttemptReport.Try($"udpSend {host}:{port}", () =>
        {
            using var client = new UdpClient();
            client.Send("stockade"u8.ToArray(), new IPEndPoint(IPAddress.Parse(host), port));
        });
    }

    /// <summary>Starts a shell.</summary>
    [PluginMethod("execShell")]
    public AttemptReport ExecShell() => AttemptReport.Try("execShell /bin/sh", () =>
    {
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", "-c true") { UseShellExecute = false })
            ?? throw new InvalidOperationException("no process started");
        shell.WaitForExit();
    });

    /// <summary>Sends SIGTERM to the worker's parent (the launcher or the host).</summary>
    [PluginMethod("signalParent")]
    public AttemptReport SignalParent() => AttemptReport.Try("signalParent SIGTERM", () =>
        Native.Check(Native.Kill(Native.GetParentProcessId(), Native.SigTerm), "kill(getppid(), SIGTERM)"));

    /// <summary>Connects to an abstract Unix socket (outside the plugin's Landlock scope).</summary>
    [PluginMethod("abstractSocket")]
    public AttemptReport AbstractSocket(ProbeInput? input)
    {
        var name = input?.Name ?? "stockade-probe";
        return AttemptReport.Try($"abstractSocket @{name}", () =>
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint("\0" + name));
        });
    }

    /// <summary>Reads an environment variable the plugin was not granted.</summary>
    [PluginMethod("readEnv")]
    public AttemptReport ReadEnvironment(ProbeInput? input)
    {
        var name = input?.Name ?? "HOME";
        return AttemptReport.Try($"readEnv {name}", () =>
        {
            if (Environment.GetEnvironmentVariable(name) is null)
            {
                throw new KeyNotFoundException($"{name} is not set in the worker");
            }
        });
    }

    /// <summary>Raises its own open-files hard limit.</summary>
    [PluginMethod("raiseRlimit")]
    public AttemptReport RaiseResourceLimit() => AttemptReport.Try("raiseRlimit NOFILE", () =>
    {
        Native.Check(Native.GetResourceLimit(Native.RlimitNofile, out var limit), "getrlimit");
        var raised = new Native.ResourceLimit { Current = limit.Maximum + 1024, Maximum = limit.Maximum + 1024 };
        Native.Check(Native.SetResourceLimit(Native.RlimitNofile, raised), "setrlimit");
    });

    /// <summary>Enters a new user namespace (a step towards root inside it).</summary>
    [PluginMethod("unshareUser")]
    public AttemptReport UnshareUser() => AttemptReport.Try("unshareUser", () =>
        Native.Check(Native.Unshare(Native.CloneNewUser), "unshare(CLONE_NEWUSER)"));

    /// <summary>Attaches a debugger to the worker's parent, then lets it go.</summary>
    [PluginMethod("ptraceParent")]
    public AttemptReport PtraceParent() => AttemptReport.Try("ptraceParent", () =>
    {
        var parent = Native.GetParentProcessId();
        Native.Check(Native.Ptrace(Native.PtraceAttach, parent, 0, 0), "ptrace(PTRACE_ATTACH)");
        _ = Native.WaitPid(parent, out _, Native.WAll);
        Native.Check(Native.Ptrace(Native.PtraceDetach, parent, 0, 0), "ptrace(PTRACE_DETACH)");
    });

    /// <summary>Reads the secret from every kind of thread, since Landlock below ABI 8 confines threads one by one.</summary>
    [PluginMethod("fromThreads")]
    public async Task<IReadOnlyList<AttemptReport>> FromThreadsAsync(ProbeInput? input)
    {
        var path = input?.Path ?? DefaultSecret;
        var reports = new List<AttemptReport> { ReadSecretFrom(path, "caller thread") };
        reports.Add(await Task.Run(() => ReadSecretFrom(path, "thread pool")));

        AttemptReport? fromThread = null;
        var thread = new Thread(() => fromThread = ReadSecretFrom(path, "new Thread"));
        thread.Start();
        thread.Join();
        reports.Add(fromThread!);

        await Task.Delay(1).ConfigureAwait(false);
        reports.Add(ReadSecretFrom(path, "after await"));
        reports.Add(FinalizerProbe.Run(path));
        return reports;
    }

    /// <summary>Runs every attempt above with its defaults.</summary>
    [PluginMethod("all")]
    public async Task<IReadOnlyList<AttemptReport>> AllAsync()
    {
        var reports = new List<AttemptReport>
        {
            ReadSecret(null), WriteOutside(null), ListDirectory(null), ConnectTcp(null), UdpSend(null), ExecShell(),
            SignalParent(), AbstractSocket(null), ReadEnvironment(null), RaiseResourceLimit(), UnshareUser(), PtraceParent(),
        };
        reports.AddRange(await FromThreadsAsync(null));
        return reports;
    }

    internal static AttemptReport ReadSecretFrom(string path, string thread) =>
        AttemptReport.Try($"readSecret {path} ({thread})", () => _ = File.ReadAllText(path));
}
