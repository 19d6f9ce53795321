using System.Buffers;
using System.Diagnostics;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 15, attacker pass, through <c>stockade audit verify</c> as an operator runs it: a shared lock on
/// <c>audit/.writers</c> held with <c>flock -s</c> no longer lets a forged unsigned tail pass, and a FIFO put in the
/// marker's place is refused (exit 8) instead of hanging verify.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15WritersMarkerCliTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private string Home => _home.Path;

    private string AuditDir => Path.Combine(Home, "audit");

    private string Marker => Path.Combine(AuditDir, ".writers");

    [Fact]
    public async Task Verify_ForgedTailBehindFlockShared_ExitsEight_NamingTheRecord()
    {
        await InstallAsync();
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-s", Marker, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var deadline = Stopwatch.StartNew();
            while (!AuditLog.IsOpenByAWriter(AuditDir))
            {
                deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "flock never took the lock");
                await Task.Delay(20);
            }

            var seq = AppendForgery();

            var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);

            verify.ExitCode.ShouldBe(8, $"a forged tail passed behind `flock -s .writers`:\n{verify.Stdout}{verify.Stderr}");
            verify.Stderr.ShouldContain($"record {seq} is covered by no signed head");
            verify.Stderr.ShouldContain("closed its writer");
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Verify_WritersMarkerReplacedByAFifo_ExitsEight_WithoutHanging()
    {
        await InstallAsync();
        File.Delete(Marker);
        using (var mkfifo = Process.Start(new ProcessStartInfo("/usr/bin/mkfifo", [Marker]) { UseShellExecute = false })!)
        {
            await mkfifo.WaitForExitAsync();
            mkfifo.ExitCode.ShouldBe(0);
        }

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home).WaitAsync(TimeSpan.FromSeconds(60));

        verify.ExitCode.ShouldBe(8, verify.Stdout + verify.Stderr);
        verify.Stderr.ShouldContain("FIFO");
        verify.Stderr.ShouldContain("tampered");
        verify.Stderr.ShouldNotContain("   at ");
    }

    private async Task InstallAsync()
    {
        var install = await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--grant", "all", "--yes", "--home", Home);
        install.ExitCode.ShouldBe(0, install.Stderr);
        var intact = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        intact.ExitCode.ShouldBe(0, intact.Stdout + intact.Stderr);
    }

    private long AppendForgery()
    {
        var file = Directory.GetFiles(AuditDir, "audit-*.jsonl").Order(StringComparer.Ordinal).Last();
        var last = new AuditReader(AuditDir).Query(new AuditQuery { Limit = 1 }).Single();
        var buffer = new ArrayBufferWriter<byte>();
        var forged = AuditRecordFormat.Create(last.Seq + 1, last.Ts.AddMilliseconds(1), new AuditEntry(AuditActions.PermissionGranted, AuditDecision.Allow, AuditLayer.Cli) { Plugin = "samples.notes", Permission = "network:request=*" }, last.Hash, buffer);
        using (var stream = new FileStream(file, FileMode.Append))
        {
            stream.Write(buffer.WrittenSpan);
        }

        using (var store = new StockadeStore(Home))
        {
            store.Write(new AuditHead(forged.Seq, forged.Hash));
        }

        return forged.Seq;
    }
}
