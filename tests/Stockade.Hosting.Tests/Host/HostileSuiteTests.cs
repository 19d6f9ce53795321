using System.Text.Json;

namespace Stockade.Hosting.Tests.Host;

/// <summary>Loads the hostile plugins (C# and Python) and a granted probe at sandboxed level.</summary>
public abstract class HostileHostFixture(int? workerUid) : HostFixture(workerUid)
{
    public const string Hostile = "t.hostile";
    public const string HostilePython = "t.hostile-python";
    public const string Probe = "t.probe";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var hostile = World.Plugin("hostile-csharp", Hostile, """
            runtime: dotnet
            entry: bin/HostilePlugin.dll
            entryType: Samples.Hostile.HostilePlugin
            timeouts: { init: 30s, call: 20s, hook: 5s }
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: tests
            resources: { memoryMb: 256, openFiles: 128 }
            """);
        var python = World.Plugin("hostile-python", HostilePython, File.ReadAllText(Path.Combine(HostWorld.SamplesDirectory, "hostile-python", "plugin.yaml"))
            .Split('\n').Where(l => !l.StartsWith("id:", StringComparison.Ordinal) && !l.StartsWith("name:", StringComparison.Ordinal)
                && !l.StartsWith("version:", StringComparison.Ordinal) && !l.StartsWith("publisher:", StringComparison.Ordinal)).Aggregate((a, b) => a + "\n" + b));
        var probe = World.Misbehave(Probe, permissions: $"""
                - permission: file:read={World.Granted}/**
                  reason: tests
                - permission: subprocess:execute=/usr/bin/true
                  reason: tests
            """);
        await Host.LoadAsync(hostile, new PluginLoadOptions { Level = "sandboxed" });
        await Host.LoadAsync(python, new PluginLoadOptions { Level = "sandboxed" });
        await Host.LoadAsync(probe, new PluginLoadOptions { Level = "sandboxed", Grants = [$"file:read={World.Granted}/**", "subprocess:execute=/usr/bin/true"] });
    }
}

public sealed class HostileRootFixture() : HostileHostFixture(null);

public sealed class HostileNobodyFixture() : HostileHostFixture(65534);

/// <summary>Every escape attempt of a sandboxed plugin fails, from any thread, and the host keeps running.</summary>
public abstract class HostileSuiteTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IDisposable
    where TFixture : HostileHostFixture
{
    private readonly Listeners _listeners = new();

    private PluginHost Host => fixture.Host;

    private HostWorld World => fixture.World;

    public void Dispose() => _listeners.Dispose();

    [Fact]
    public async Task ReadSecret_FromEveryKindOfThread_IsDenied()
    {
        var reports = await Host.InvokeAsync<List<Report>>(HostileHostFixture.Hostile, "fromThreads", new { path = World.Secret }, JsonSerializerOptions.Web);

        reports.ShouldNotBeNull();
        reports.Count.ShouldBe(5);
        reports.ShouldAllBe(r => !string.IsNullOrEmpty(r.Attempt) && !r.Succeeded, Describe(reports));
        File.ReadAllText(World.Secret).ShouldBe("the host's secret");
    }

    [Fact]
    public async Task WriteAndDelete_OutsideDataAndTemp_AreDenied()
    {
        var target = Path.Combine(World.Outside, "escaped.txt");
        var write = await Attempt("writeOutside", new { path = target });
        write.Succeeded.ShouldBeFalse(write.Error);
        File.Exists(target).ShouldBeFalse();

        var victim = Path.Combine(World.Outside, "victim.txt");
        await File.WriteAllTextAsync(victim, "keep me");
        File.SetUnixFileMode(World.Outside, (UnixFileMode)0x1FF);
        var overwrite = await Attempt("writeOutside", new { path = victim });
        overwrite.Succeeded.ShouldBeFalse(overwrite.Error);
        (await File.ReadAllTextAsync(victim)).ShouldBe("keep me");
    }

    [Fact]
    public async Task ListRoot_IsDenied()
    {
        var report = await Attempt("listDir", new { path = "/root" });
        report.Succeeded.ShouldBeFalse(report.Error);
    }

    [Fact]
    public async Task TcpAndUdp_ToLoopbackListener_NeverArrive()
    {
        var tcp = await Attempt("connectTcp", new { host = "127.0.0.1", port = _listeners.TcpPort });
        var udp = await Attempt("udpSend", new { host = "127.0.0.1", port = _listeners.UdpPort });
        await Task.Delay(300);

        tcp.Succeeded.ShouldBeFalse(tcp.Error);
        udp.Succeeded.ShouldBeFalse(udp.Error);
        _listeners.TcpConnections.ShouldBe(0);
        _listeners.UdpDatagrams.ShouldBe(0);
    }

    [Fact]
    public async Task AbstractUnixSocket_OfTheTest_IsNotReached()
    {
        var report = await Attempt("abstractSocket", new { name = _listeners.AbstractName });
        await Task.Delay(200);

        report.Succeeded.ShouldBeFalse(report.Error);
        _listeners.UnixConnections.ShouldBe(0);
    }

    [Fact]
    public async Task ExecShell_IsDenied()
    {
        var report = await Attempt("execShell", null);
        report.Succeeded.ShouldBeFalse(report.Error);
    }

    [Fact]
    public async Task SignalAndPtraceParent_AreDenied_AndHostKeepsRunning()
    {
        var signal = await Attempt("signalParent", null);
        var ptrace = await Attempt("ptraceParent", null);

        signal.Succeeded.ShouldBeFalse(signal.Error);
        ptrace.Succeeded.ShouldBeFalse(ptrace.Error);
        (await Host.InvokeAsync(HostileHostFixture.Probe, "ping")).GetString().ShouldBe("pong");
    }

    [Fact]
    public async Task HostEnvironmentSecret_IsNotInTheWorker()
    {
        var report = await Attempt("readEnv", new { name = HostFixture.SecretName });
        report.Succeeded.ShouldBeFalse(report.Error);
    }

    [Fact]
    public async Task RaiseRlimit_UnshareUser_AreDenied()
    {
        var rlimit = await Attempt("raiseRlimit", null);
        var unshare = await Attempt("unshareUser", null);

        rlimit.Succeeded.ShouldBeFalse(rlimit.Error);
        unshare.Succeeded.ShouldBeFalse(unshare.Error);
    }

    [Fact]
    public async Task PythonPlugin_FilesSocketsExec_AreDenied()
    {
        var target = Path.Combine(World.Outside, "py-escaped.txt");
        var attempts = new List<Report>
        {
            (await Host.InvokeAsync<Report>(HostileHostFixture.HostilePython, "readFile", new { path = World.Secret }, JsonSerializerOptions.Web))!,
            (await Host.InvokeAsync<Report>(HostileHostFixture.HostilePython, "writeFile", new { path = target }, JsonSerializerOptions.Web))!,
            (await Host.InvokeAsync<Report>(HostileHostFixture.HostilePython, "connectTcp", new { port = _listeners.TcpPort }, JsonSerializerOptions.Web))!,
            (await Host.InvokeAsync<Report>(HostileHostFixture.HostilePython, "udpSend", new { port = _listeners.UdpPort }, JsonSerializerOptions.Web))!,
            (await Host.InvokeAsync<Report>(HostileHostFixture.HostilePython, "execShell", new { }, JsonSerializerOptions.Web))!,
        };
        await Task.Delay(300);

        attempts.ShouldAllBe(r => !string.IsNullOrEmpty(r.Attempt) && !r.Succeeded, Describe(attempts));
        File.Exists(target).ShouldBeFalse();
        _listeners.TcpConnections.ShouldBe(0);
        _listeners.UdpDatagrams.ShouldBe(0, "an executable plugin reached the test's UDP listener: " + Describe(attempts));
    }

    [Fact]
    public async Task GrantedActions_ReadGrantedFolder_WriteData_RunGrantedExecutable_Succeed()
    {
        (await Host.InvokeAsync(HostileHostFixture.Probe, "readFile", HostWorld.Json(new { path = World.GrantedFile }))).GetString().ShouldBe("granted content");

        var data = Host.Home.DataDirectory(HostileHostFixture.Probe);
        (await Host.InvokeAsync(HostileHostFixture.Probe, "writeFile", HostWorld.Json(new { path = Path.Combine(data, "ok.bin"), mb = 1 }))).GetInt64().ShouldBe(1024 * 1024);
        File.Exists(Path.Combine(data, "ok.bin")).ShouldBeTrue();

        (await Host.InvokeAsync(HostileHostFixture.Probe, "run", HostWorld.Json(new { fileName = "/usr/bin/true" }))).GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task DeniedFileRead_SurfacesAsPermissionDenied_WithGrantCommand()
    {
        var ex = await Should.ThrowAsync<PluginPermissionDeniedException>(() =>
            Host.InvokeAsync(HostileHostFixture.Probe, "readFile", HostWorld.Json(new { path = World.Secret })));

        ex.GrantCommand.ShouldBe($"stockade grant {HostileHostFixture.Probe} file:read={World.Secret}");
        (await Host.InvokeAsync(HostileHostFixture.Probe, "ping")).GetString().ShouldBe("pong");
    }

    private static string Describe(IEnumerable<Report> reports) => string.Join("; ", reports.Select(r => $"{r.Attempt}: {(r.Succeeded ? "ESCAPED" : r.Error)}"));

    private async Task<Report> Attempt(string method, object? input)
    {
        var report = await Host.InvokeAsync<Report>(HostileHostFixture.Hostile, method, input, JsonSerializerOptions.Web);
        report.ShouldNotBeNull();
        report.Attempt.ShouldNotBeNullOrEmpty();
        return report;
    }

    /// <summary>The hostile samples' report of one attempt.</summary>
    public sealed record Report(string Attempt, bool Succeeded, string? Error);
}

public sealed class HostileSuiteAsRootTests(HostileRootFixture fixture) : HostileSuiteTests<HostileRootFixture>(fixture);

public sealed class HostileSuiteAsNobodyTests(HostileNobodyFixture fixture) : HostileSuiteTests<HostileNobodyFixture>(fixture);
