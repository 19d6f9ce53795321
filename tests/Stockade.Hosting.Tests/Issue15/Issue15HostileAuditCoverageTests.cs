using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue15;

/// <summary>
/// Issue 15, "hostile plugins against the audit log": each attempt the hostile samples make that the host can
/// observe — every system call seccomp refuses (sockets, exec, SysV IPC, ptrace, io_uring) — appears as a deny record with layer <c>kernel</c> (or <c>broker</c>) for that plugin, made
/// during the attempt, and <c>audit verify</c> stays intact. Today a Python plugin's blocked calls leave only
/// <c>plugin.started</c>/<c>stopped</c>. Landlock file denials (reads outside, hostile-csharp's readSecret) are
/// not observable without the kernel's audit log, which is off here and which a library must not switch on, and
/// the samples catch their own errors (nothing for the .NET worker to report): they are not required here (the
/// guarantee report must say so instead).
/// Run with an application host as root, and with the CLI as uid 65534 (no root anywhere).
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15HostileAuditCoverageTests
{
    [Theory]
    [InlineData("sandboxed", "hostile-python", "connectTcp")]
    [InlineData("strict", "hostile-python", "connectTcp")]
    [InlineData("sandboxed", "hostile-python", "execShell")]
    [InlineData("strict", "hostile-python", "execShell")]
    [InlineData("sandboxed", "hostile-python", "sysvShm")]
    [InlineData("strict", "hostile-python", "sysvShm")]
    [InlineData("sandboxed", "hostile-python", "sysvMsg")]
    [InlineData("sandboxed", "hostile-python", "io_uring")]
    [InlineData("sandboxed", "hostile-csharp", "connectTcp")]
    [InlineData("strict", "hostile-csharp", "connectTcp")]
    [InlineData("sandboxed", "hostile-csharp", "execShell")]
    [InlineData("strict", "hostile-csharp", "execShell")]
    [InlineData("sandboxed", "hostile-csharp", "sysvShm")]
    [InlineData("strict", "hostile-csharp", "sysvShm")]
    [InlineData("sandboxed", "hostile-csharp", "ptraceParent")]
    public async Task HostileAttempt_AppHost_AppearsAsKernelOrBrokerDenyRecord_VerifyIntact(string level, string sample, string attack)
    {
        await using var w = new Issue15World();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var id = $"t.{sample}";
        await w.Host.LoadAsync(StrictSigning.ForLevel(w.Host, CopyHostile(w.World, sample, id), level), new PluginLoadOptions { Level = level });
        await w.Host.Audit.FlushAsync();
        var before = Issue15.ReadAudit(w.Home).Select(r => r.Seq).DefaultIfEmpty(0).Max();

        var report = await w.Host.InvokeAsync(id, MethodName(sample, attack), Input(w.World, attack, ((IPEndPoint)listener.LocalEndpoint).Port));

        report.GetProperty("succeeded").GetBoolean().ShouldBeFalse($"{attack} at {level} succeeded: {report}");
        var records = await Issue15.WaitForRecordAsync(w.Host, w.Home, id, r => r.Seq > before && IsObservedDenial(r), TimeSpan.FromSeconds(5));
        records.Where(r => r.Seq > before).ShouldContain(r => IsObservedDenial(r),
            $"{sample} {attack} at {level} left no kernel/broker deny record; after the attempt:\n{Issue15.Describe(records.Where(r => r.Seq > before))}");
        var (_, threw) = await w.DisposeHostAsync();
        threw.ShouldBeNull();
        var verify = await Issue15.VerifyAsync(w.Home);
        verify.ExitCode.ShouldBe(0, verify.ToString());
    }

    /// <summary>The same attempts with no root anywhere: the CLI host runs as uid 65534 (setpriv), the home is its own.</summary>
    [Theory]
    [InlineData("sandboxed", "hostile-python", "connectTcp")]
    [InlineData("strict", "hostile-python", "execShell")]
    [InlineData("sandboxed", "hostile-python", "sysvShm")]
    [InlineData("strict", "hostile-python", "sysvShm")]
    [InlineData("sandboxed", "hostile-csharp", "execShell")]
    public async Task HostileAttempt_CliAsUnprivilegedUser_AppearsAsKernelOrBrokerDenyRecord_VerifyIntact(string level, string sample, string attack)
    {
        var world = new HostWorld();
        try
        {
            Directory.CreateDirectory(world.Home);
            SetOwner(world.Home, 65534);
            var folder = CopyHostile(world, sample, $"t.{sample}");
            if (level == "strict")
            {
                await PrepareForStrictCliAsync(world, folder);
            }
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var input = Input(world, attack, ((IPEndPoint)listener.LocalEndpoint).Port).GetRawText();

            var run = await Issue15.CliAsync(world.Home, asNobody: true, "run", folder, MethodName(sample, attack), "--level", level, "--input", input);

            run.Stdout.ShouldContain("\"succeeded\"", Case.Sensitive, run.ToString());
            JsonDocument.Parse(run.Stdout).RootElement.GetProperty("succeeded").GetBoolean().ShouldBeFalse(run.ToString());
            var records = Issue15.ReadAudit(world.Home);
            records.ShouldContain(r => IsObservedDenial(r), $"{sample} {attack} at {level} as uid 65534 left no kernel/broker deny record:\n{Issue15.Describe(records)}");
            var verify = await Issue15.CliAsync(world.Home, asNobody: true, "audit", "verify");
            verify.ExitCode.ShouldBe(0, verify.ToString());
        }
        finally
        {
            (await Issue15.WaitNoProcessesAsync(world.Root)).ShouldBeEmpty("a worker outlived the CLI");
            world.Dispose();
        }
    }

    /// <summary>Strict demands a signed plugin whose code matches its declarations: declare, sign, trust (as the CLI's user).</summary>
    private static async Task PrepareForStrictCliAsync(HostWorld world, string folder)
    {
        StrictSigning.DeclareFindings(folder);
        var keys = Directory.CreateDirectory(Path.Combine(world.Root, "keys")).FullName;
        var key = Stockade.Analysis.Signing.PackageSigner.GenerateKey(Path.Combine(keys, "signer"));
        Stockade.Analysis.Signing.PackageSigner.Sign(folder, File.ReadAllText(key.PrivateKeyPath)).Succeeded.ShouldBeTrue();
        File.SetUnixFileMode(key.PublicKeyPath, (UnixFileMode)0b110_100_100);
        var trust = await Issue15.CliAsync(world.Home, asNobody: true, "trust", "add", key.PublicKeyPath);
        trust.ExitCode.ShouldBe(0, trust.ToString());
    }

    /// <summary>A deny record the host wrote about the attempt: kernel (seccomp, observed or reported) or broker.</summary>
    private static bool IsObservedDenial(Issue15Record r) =>
        r.Decision == "deny" && (r.Layer == Issue15.KernelLayer || r.Layer == Issue15.BrokerLayer);

    private static string MethodName(string sample, string attack) => (sample, attack) switch
    {
        ("hostile-python", "io_uring") => "ioUring",
        ("hostile-python", "readSecret") => "readFile",
        _ => attack,
    };

    private static JsonElement Input(HostWorld world, string attack, int port) => attack switch
    {
        "connectTcp" => HostWorld.Json(new { port, host = "127.0.0.1" }),
        "readSecret" => HostWorld.Json(new { path = world.Secret }),
        _ => HostWorld.Json(new { }),
    };

    /// <summary>The sample with its own manifest under a test id, readable by uid 65534.</summary>
    private static string CopyHostile(HostWorld world, string sample, string id)
    {
        var manifest = string.Join('\n', File.ReadAllLines(Path.Combine(HostWorld.SamplesDirectory, sample, "plugin.yaml"))
            .Where(l => !l.StartsWith("id:", StringComparison.Ordinal) && !l.StartsWith("name:", StringComparison.Ordinal)
                && !l.StartsWith("version:", StringComparison.Ordinal) && !l.StartsWith("publisher:", StringComparison.Ordinal)));
        return world.Plugin(sample, id, manifest);
    }

    private static void SetOwner(string path, int uid)
    {
        var info = new System.Diagnostics.ProcessStartInfo("/bin/chown", ["-R", $"{uid}:{uid}", path]) { UseShellExecute = false };
        using var chown = System.Diagnostics.Process.Start(info)!;
        chown.WaitForExit();
        chown.ExitCode.ShouldBe(0);
    }
}
