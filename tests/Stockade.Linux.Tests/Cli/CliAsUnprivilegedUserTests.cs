using System.Text.Json;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// The whole <c>stockade</c> CLI started as uid 65534 through <c>setpriv</c>, with a home and plugin copies that
/// user owns or can read: no root anywhere, so every layer (launcher, Landlock, seccomp) must work unprivileged.
/// </summary>
public sealed class CliAsUnprivilegedUserTests : IDisposable
{
    private readonly string _root;
    private readonly string _home;

    public CliAsUnprivilegedUserTests()
    {
        _root = Directory.CreateTempSubdirectory("stockade-cli-nobody-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _home = Path.Combine(_root, "home");
        Directory.CreateDirectory(_home);
        Interop.Check(Interop.lchown(_home, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown home");
    }

    [LandlockAsRootTheory]
    [InlineData("hello-csharp")]
    [InlineData("hello-python")]
    public void Run_HelloSampleAsNobody_Greets(string sample)
    {
        string plugin = NobodyCli.CopySample(_root, sample);

        ProcessResult result = NobodyCli.Run(_home, "run", plugin, "greet", "--input", """{"name":"x"}""");

        result.ExitCode.ShouldBe(0, result.StandardError);
        JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("message").GetString().ShouldBe("Hello, x!");
    }

    [LandlockAsRootFact]
    public void Run_HostileReadSecretAsNobody_IsDeniedAWorldReadableFile()
    {
        string plugin = NobodyCli.CopySample(_root, "hostile-csharp");
        string secret = Path.Combine(_root, "planted-secret.txt");
        File.WriteAllText(secret, "planted\n");
        File.SetUnixFileMode(secret, (UnixFileMode)0b110_100_100);

        ProcessResult result = NobodyCli.Run(_home, "run", plugin, "readSecret", "--input", JsonSerializer.Serialize(new { path = secret }));

        result.ExitCode.ShouldBe(0, result.StandardError);
        JsonElement report = JsonDocument.Parse(result.StandardOutput).RootElement;
        report.GetProperty("succeeded").GetBoolean().ShouldBeFalse(result.StandardOutput);
        (report.GetProperty("error").GetString() ?? string.Empty).ShouldContain("denied");
    }

    /// <summary>
    /// Issue 14's classes with no root anywhere: the CLI host is uid 65534 and the Python attacker runs under it, so
    /// nothing a capability would have refused hides a seccomp or Landlock gap. The pid attacks name the CLI itself
    /// (the worker's parent); under strict's pid namespace that parent cannot be named, so they run at sandboxed only.
    /// </summary>
    [LandlockAsRootTheory]
    [InlineData("sandboxed", "prlimitParent")]
    [InlineData("sandboxed", "setpriorityParent")]
    [InlineData("sandboxed", "pidfdParent")]
    [InlineData("sandboxed", "clearPdeathsig")]
    [InlineData("strict", "clearPdeathsig")]
    [InlineData("sandboxed", "socketPair")]
    [InlineData("strict", "socketPair")]
    [InlineData("sandboxed", "unixConnect")]
    [InlineData("strict", "unixConnect")]
    [InlineData("sandboxed", "chmodSetuid")]
    [InlineData("strict", "chmodSetuid")]
    [InlineData("sandboxed", "sysvShm")]
    [InlineData("strict", "sysvShm")]
    [InlineData("sandboxed", "inotifyWatch")]
    [InlineData("strict", "inotifyWatch")]
    [InlineData("sandboxed", "capabilities")]
    [InlineData("strict", "capabilities")]
    public void Run_Issue14AttackAsUnprivilegedHost_IsContained(string level, string attack)
    {
        string plugin = NobodyCli.CopySample(_root, "hostile-python");
        using var listeners = new UnixListeners(_root);

        object input = attack switch
        {
            "socketPair" => new { path = listeners.DatagramPath },
            "unixConnect" => new { path = listeners.StreamPath },
            _ => new { },
        };
        if (level == "strict")
        {
            NobodyCli.PrepareForStrict(_root, _home, plugin);
        }

        ProcessResult result = NobodyCli.Run(_home, "run", plugin, attack, "--level", level, "--input", JsonSerializer.Serialize(input));

        result.ExitCode.ShouldBe(0, result.StandardError);
        JsonElement report = JsonDocument.Parse(result.StandardOutput).RootElement;
        report.GetProperty("succeeded").GetBoolean().ShouldBeFalse($"{attack} at {level} as an unprivileged host: {result.StandardOutput}");
        listeners.Reached.ShouldBeFalse($"{attack} reached a pathname socket of the host");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A stream and a datagram pathname socket anyone may connect to, in a folder outside the plugin's rules.</summary>
    private sealed class UnixListeners : IDisposable
    {
        private readonly System.Net.Sockets.Socket _stream = new(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        private readonly System.Net.Sockets.Socket _datagram = new(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);

        public UnixListeners(string root)
        {
            string folder = Path.Combine(root, "host-sockets");
            Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
            StreamPath = Path.Combine(folder, "host.sock");
            DatagramPath = Path.Combine(folder, "host.dgram");
            _stream.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(StreamPath));
            _stream.Listen(4);
            _datagram.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(DatagramPath));
            File.SetUnixFileMode(StreamPath, (UnixFileMode)0x1FF);
            File.SetUnixFileMode(DatagramPath, (UnixFileMode)0x1FF);
            _stream.Blocking = false;
            _datagram.Blocking = false;
        }

        public string StreamPath { get; }

        public string DatagramPath { get; }

        /// <summary>Whether a connection is waiting or a datagram arrived.</summary>
        public bool Reached => _stream.Poll(0, System.Net.Sockets.SelectMode.SelectRead) || _datagram.Available > 0;

        public void Dispose()
        {
            _stream.Dispose();
            _datagram.Dispose();
        }
    }
}
