using System.Buffers;
using System.Diagnostics;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.Audit;

/// <summary>
/// Issue 15, attacker pass on <c>audit/.writers</c>: records after the last signed head pass verify only "while a writer
/// has the log open", and that was read from a shared flock anyone can take (<c>flock -s audit/.writers</c>) — so a
/// forged unsigned tail passed. A marker that cannot be opened counted as "open" (fail open), and a FIFO put in its
/// place hung verify. Now a writer signs an <c>open</c> head before its first records (a <c>resume</c> head after an
/// idle spell, periodic heads, a <c>close</c> head at shutdown), and an unsigned tail passes only behind a live
/// writer's recent open or periodic head with no close after it.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15WritersMarkerAttackTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _keys = new();

    private string AuditDir => _home.Combine("audit");

    private string Marker => Path.Combine(AuditDir, ".writers");

    private string KeyPath => _keys.Combine("audit-signing.pem");

    public void Dispose()
    {
        _home.Dispose();
        _keys.Dispose();
    }

    [Fact]
    public async Task SharedLockHeldByAnAttacker_ForgedUnsignedTail_FailsVerify()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 4); // a writer opened, wrote, signed and closed

        // The attack: hold the writers' shared lock with the util-linux tool, then append a forged, correctly chained record.
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-s", Marker, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            await WaitUntilAsync(() => AuditLog.IsOpenByAWriter(AuditDir));
            var forged = AppendForgery(store);

            var result = Verify(store);

            result.Ok.ShouldBeFalse($"a forged tail passed behind `flock -s .writers`:\n{string.Join("\n", result.Compared ?? [])}");
            result.Problem!.ShouldContain($"record {forged.Seq} is covered by no signed head");
            result.Problem!.ShouldContain("closed its writer");
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task LiveWriter_ItsUnsignedTail_PassesVerify_SayingWhichHeadStandsBehindIt()
    {
        using var store = new StockadeStore(_home.Path);
        await using var log = new AuditLog(Options(), store);
        for (var i = 0; i < 3; i++)
        {
            await log.AppendAsync(AuditTestData.Entry(i));
        }

        var result = Verify(store);

        result.Ok.ShouldBeTrue(result.Problem);
        result.UnsignedTail.ShouldBe(3);
        string.Join("\n", result.Compared!).ShouldContain("signed open head over record 0");
        File.ReadAllText(Path.Combine(AuditDir, "heads.jsonl")).ShouldContain("\"reason\":\"open\"");
    }

    [Fact]
    public async Task LiveWriterWhoseNewestHeadIsOlderThanTwiceItsInterval_TailFailsVerify()
    {
        using var store = new StockadeStore(_home.Path);
        await using var log = new AuditLog(Options(), store);
        await log.AppendAsync(AuditTestData.Entry(0));

        // Seen a minute later: a running writer would have signed within 5 s, so nobody stands behind these records.
        var result = Verify(store, now: DateTimeOffset.UtcNow.AddMinutes(1));

        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain("longer than twice its writer's signing interval");
    }

    [Fact]
    public async Task WriterIdleLongerThanItsInterval_SignsAResumeHeadBeforeItsNextRecord()
    {
        using var store = new StockadeStore(_home.Path);
        var options = Options();
        options.HeadInterval = TimeSpan.FromMilliseconds(300);
        await using var log = new AuditLog(options, store);
        await log.AppendAsync(AuditTestData.Entry(0));
        await WaitUntilAsync(() => File.ReadAllText(Path.Combine(AuditDir, "heads.jsonl")).Contains("\"reason\":\"interval\"", StringComparison.Ordinal));
        await Task.Delay(700); // idle: the last head is now older than twice the interval

        await log.AppendAsync(AuditTestData.Entry(1));

        var heads = File.ReadAllLines(Path.Combine(AuditDir, "heads.jsonl"));
        heads[^1].ShouldContain("\"reason\":\"resume\"");
        var result = Verify(store);
        result.Ok.ShouldBeTrue(result.Problem);
    }

    [Fact]
    public async Task CleanClose_SignsACloseHead_EvenWithNothingLeftToCover()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 2);

        var heads = File.ReadAllLines(Path.Combine(AuditDir, "heads.jsonl"));
        heads[0].ShouldContain("\"reason\":\"open\"");
        heads[^1].ShouldContain("\"reason\":\"close\"");
        Verify(store).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task ForgedTailWhileAWriterIsOpen_FailsOnceTheWriterSignsItsOwnRecords()
    {
        using var store = new StockadeStore(_home.Path);
        await using var log = new AuditLog(Options(), store);
        await log.AppendAsync(AuditTestData.Entry(0));
        await log.FlushAsync();
        var forged = AppendForgery(store);

        await log.AppendAsync(AuditTestData.Entry(1)); // chains onto the forgery; its head covers only its own records
        await log.DisposeAsync();

        var result = Verify(store);
        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain($"record {forged.Seq} is covered by no signed head although later records are signed");
    }

    [Fact]
    public async Task MarkerIsAFifo_ProbeRefusesItWithoutHanging()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 1);
        File.Delete(Marker);
        RunOrSkip("/usr/bin/mkfifo", Marker);

        var probe = Task.Run(() => (AuditLog.ProbeWriters(AuditDir, out var problem), problem, AuditLog.IsOpenByAWriter(AuditDir)));
        var (state, why, open) = await probe.WaitAsync(TimeSpan.FromSeconds(30));

        state.ShouldBe(WritersMarker.State.NotARegularFile);
        why!.ShouldContain("FIFO");
        open.ShouldBeFalse();
    }

    [Fact]
    public async Task MarkerIsASymlink_IsNotFollowed()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 1);
        File.Delete(Marker);
        File.CreateSymbolicLink(Marker, "/dev/zero");

        AuditLog.ProbeWriters(AuditDir, out var why).ShouldBe(WritersMarker.State.NotARegularFile);
        why!.ShouldContain("symbolic link");
    }

    [Fact]
    public async Task MarkerThatCannotBeOpened_CountsAsNoWriter_FailClosed()
    {
        // As root nothing is refused for want of permission: the probe runs as uid 65534 in a helper process, against a
        // marker only root may read, while a root writer holds it.
        using var store = new StockadeStore(_home.Path);
        await using var log = new AuditLog(Options(), store);
        await log.AppendAsync(AuditTestData.Entry(0));
        File.SetUnixFileMode(Marker, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(AuditDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        AuditLog.IsOpenByAWriter(AuditDir).ShouldBeTrue("root, who can open it, sees the writer");

        var asNobody = Environment.UserName == "root"
            ? HelperProcess.StartRaw("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/usr/bin/dotnet", HelperProcess.DllPath, "probe-writers", AuditDir])
            : HelperProcess.Start("probe-writers", AuditDir);
        var (exit, output) = await HelperProcess.WaitAsync(asNobody);

        exit.ShouldBe(0, output);
        output.Trim().ShouldBe("False", "a marker that cannot be opened was read as 'a writer is open' (fail open)");
    }

    private static void RunOrSkip(string tool, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, args) { UseShellExecute = false })!;
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"{tool} failed");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the condition never held");
            await Task.Delay(20);
        }
    }

    private AuditLogOptions Options() => new() { Directory = AuditDir, SigningKeyPath = KeyPath };

    private AuditVerifyResult Verify(StockadeStore store, DateTimeOffset? now = null) =>
        AuditVerifier.Verify(AuditDir, new AuditVerifyOptions
        {
            StoreHead = store.Read(),
            RequireStoreHead = true,
            Key = AuditSigningKey.Load(KeyPath),
            WriterOpen = AuditLog.IsOpenByAWriter(AuditDir),
            Now = now,
        });

    private async Task WriteGenuineAsync(StockadeStore store, int count)
    {
        await using var log = new AuditLog(Options(), store);
        for (var i = 0; i < count; i++)
        {
            await log.AppendAsync(AuditTestData.Entry(i));
        }
    }

    // Someone who can write the audit folder and the store: a record chained and hashed like a genuine one, and the head moved.
    private AuditRecord AppendForgery(StockadeStore store)
    {
        var file = Directory.GetFiles(AuditDir, "audit-*.jsonl").Order(StringComparer.Ordinal).Last();
        var last = new AuditReader(AuditDir).Query(new AuditQuery { Limit = 1 }).Single();
        var buffer = new ArrayBufferWriter<byte>();
        var forged = AuditRecordFormat.Create(last.Seq + 1, last.Ts.AddMilliseconds(1), new AuditEntry(AuditActions.PermissionGranted, AuditDecision.Allow, AuditLayer.Cli) { Plugin = "com.example.evil", Permission = "network:request=*" }, last.Hash, buffer);
        using (var stream = new FileStream(file, FileMode.Append))
        {
            stream.Write(buffer.WrittenSpan);
        }

        store.Write(new AuditHead(forged.Seq, forged.Hash));
        return forged;
    }
}
