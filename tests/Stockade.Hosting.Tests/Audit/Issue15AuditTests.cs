using System.Buffers;
using System.Diagnostics;
using System.Text;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.Audit;

/// <summary>
/// Issue 15, item 5's audit promises: forged records appended with a recomputed hash are found, a removed head fails
/// verify, records carry a schema version, a damaged store is an integrity failure, closing never throws for the
/// audit's sake, and on a filling disk brokered calls are refused before it is full with every accepted record landing.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15AuditTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _keys = new();

    private string AuditDir => _home.Combine("audit");

    private string KeyPath => _keys.Combine("audit-signing.pem");

    public void Dispose()
    {
        _home.Dispose();
        _keys.Dispose();
    }

    [Fact]
    public async Task ForgedRecordAppendedWithRecomputedHash_FailsVerify_NamingIt()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 5);

        var forged = AppendForgery(store, "com.example.evil");

        // The chain alone cannot tell: that is the attack (it passed `audit verify` before issue 15).
        AuditVerifier.Verify(AuditDir, store.Read()).Ok.ShouldBeTrue();

        var result = Verify(store);
        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain($"record {forged.Seq} is covered by no signed head");
        result.File.ShouldBe(AuditFiles.FileName(DateOnly.FromDateTime(forged.Ts.UtcDateTime)));
        result.Line.ShouldBe(6);
    }

    [Fact]
    public async Task ForgedRecord_ThenAGenuineWriterChainsOntoIt_StillFailsVerify_NamingIt()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 3);
        var forged = AppendForgery(store, "com.example.evil");

        await WriteGenuineAsync(store, 2); // chains onto the forgery, as the next genuine write did before

        var result = Verify(store);
        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain($"record {forged.Seq} is covered by no signed head although later records are signed");
        result.Line.ShouldBe(4);
    }

    [Fact]
    public async Task IntactLog_PassesAndSaysWhatItCompared()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 7);

        var result = Verify(store);

        result.Ok.ShouldBeTrue(result.Problem);
        result.Records.ShouldBe(7);
        result.UnsignedTail.ShouldBe(0);
        result.LastSignedHead!.Seq.ShouldBe(7);
        result.LastSignedHead.Reason.ShouldBe("close");
        string.Join("\n", result.Compared!).ShouldContain("records 1–7 (7)");
        string.Join("\n", result.Compared!).ShouldContain("last signed head: record 7");
    }

    [Fact]
    public async Task DeletedHeads_FailVerify()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 4);
        File.Delete(Path.Combine(AuditDir, AuditSignedHead.FileName));

        var result = Verify(store);

        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain("holds no signed head");
    }

    [Fact]
    public async Task DeletedStoreHead_FailsVerify()
    {
        await WriteGenuineAsync(null, 4);

        var result = AuditVerifier.Verify(AuditDir, new AuditVerifyOptions { StoreHead = null, RequireStoreHead = true, Key = AuditSigningKey.Load(KeyPath) });

        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain("stockade.db has no audit head");
    }

    [Fact]
    public async Task HeadSignedWithAnotherKey_FailsVerify()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 2);
        var attackerKey = AuditSigningKey.LoadOrCreate(_keys.Combine("attacker.pem"));
        var line = AuditSignedHead.Create(2, store.Read()!.Hash, "x", DateTimeOffset.UtcNow, "close", [(1, 2)], attackerKey).ToLine();
        File.AppendAllText(Path.Combine(AuditDir, AuditSignedHead.FileName), line + "\n");

        var result = Verify(store);

        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain($"signed by key {attackerKey.KeyId}");
    }

    [Fact]
    public async Task UnsignedTail_PassesOnlyWhileAWriterHasTheLogOpen()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 2);
        await using (var log = new AuditLog(Options(), store))
        {
            await log.AppendAsync(AuditTestData.Entry(9));
            AuditLog.IsOpenByAWriter(AuditDir).ShouldBeTrue();

            var open = Verify(store);
            open.Ok.ShouldBeTrue(open.Problem);
            open.UnsignedTail.ShouldBe(1);
            string.Join("\n", open.Compared!).ShouldContain("unsigned tail: records 3–3");
        }

        AuditLog.IsOpenByAWriter(AuditDir).ShouldBeFalse();
        Verify(store).UnsignedTail.ShouldBe(0);
    }

    [Fact]
    public async Task Anchor_DetectsARewrittenLog()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 3);
        var anchor = Verify(store).LastSignedHead!;
        AuditVerifier.Verify(AuditDir, new AuditVerifyOptions { StoreHead = store.Read(), Key = AuditSigningKey.Load(KeyPath), Anchor = anchor }).Ok.ShouldBeTrue();

        // Someone with the folder and the store rewrites the whole chain and the heads file: only the anchor kept elsewhere knows.
        var file = Directory.GetFiles(AuditDir, "audit-*.jsonl").Single();
        File.WriteAllText(file, string.Empty);
        File.Delete(Path.Combine(AuditDir, AuditSignedHead.FileName));
        store.Write(new AuditHead(3, AuditRecordFormat.GenesisHash)); // moves only forward: same seq, any hash
        var result = AuditVerifier.Verify(AuditDir, new AuditVerifyOptions { Key = AuditSigningKey.Load(KeyPath), Anchor = anchor });

        result.Ok.ShouldBeFalse();
        result.Problem!.ShouldContain("before the anchored head's record 3");
    }

    [Fact]
    public async Task Records_CarryTheSchemaVersion_AndOlderLinesStillRead()
    {
        using var store = new StockadeStore(_home.Path);
        await WriteGenuineAsync(store, 1);
        var line = File.ReadAllLines(Directory.GetFiles(AuditDir, "audit-*.jsonl").Single())[0];
        line.ShouldStartWith("{\"v\":2,\"seq\":1,");

        var legacy = AuditRecordFormat.Create(1, DateTimeOffset.UtcNow, AuditTestData.Entry(0), AuditRecordFormat.GenesisHash) with { Version = 1 };
        legacy = legacy with { Hash = AuditRecordFormat.ComputeHash(legacy) };
        var legacyLine = AuditRecordFormat.ToCanonicalLine(legacy);
        Encoding.UTF8.GetString(legacyLine).ShouldStartWith("{\"seq\":1,");
        AuditRecordFormat.TryParseLine(legacyLine, out var parsed, out _).ShouldBeTrue();
        parsed!.Version.ShouldBe(1);
        AuditRecordFormat.ComputeHash(parsed).ShouldBe(legacy.Hash);
        AuditRecordFormat.TryParseLine("{\"v\":3,\"seq\":1}"u8, out _, out var problem).ShouldBeFalse();
        problem!.ShouldContain("newer than this Stockade understands");
    }

    [Fact]
    public void ZeroLengthStore_IsAnIntegrityFailure_NotANewHome()
    {
        File.WriteAllBytes(_home.Combine(StockadeStore.FileName), []);

        var ex = Should.Throw<StoreException>(() => new StockadeStore(_home.Path));

        ex.IsIntegrityFailure.ShouldBeTrue();
        ex.Message.ShouldContain("is empty");
        ex.Message.ShouldContain("restore stockade.db from a backup");
        new FileInfo(_home.Combine(StockadeStore.FileName)).Length.ShouldBe(0); // left as it was, for the operator
    }

    [Fact]
    public void DamagedStore_IsAnIntegrityFailure()
    {
        File.WriteAllBytes(_home.Combine(StockadeStore.FileName), Encoding.ASCII.GetBytes(new string('x', 8192)));

        var ex = Should.Throw<StoreException>(() => new StockadeStore(_home.Path));

        ex.IsIntegrityFailure.ShouldBeTrue();
        ex.Message.ShouldContain("damaged");
    }

    [Fact]
    public async Task Dispose_NeverThrows_WhenTheAuditFolderIsGone_AndReportsIt()
    {
        var log = new AuditLog(Options());
        await log.AppendAsync(AuditTestData.Entry(0));
        var failures = new List<AuditWriteFailedEventArgs>();
        log.WriteFailed += (_, e) => failures.Add(e);

        Directory.Delete(AuditDir, recursive: true);
        File.WriteAllText(AuditDir, "not a folder"); // the folder is replaced by a file

        var pending = log.AppendAsync(AuditTestData.Entry(1)).AsTask();
        await Should.ThrowAsync<AuditWriteException>(pending.WaitAsync(TimeSpan.FromSeconds(30))); // faulted, not left waiting
        await Should.NotThrowAsync(log.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        log.LastFailure.ShouldNotBeNull();
        failures.ShouldContain(f => f.RecordsLost == 1);
    }

    [Fact]
    public async Task AdmissionRefusal_IsNullWithRoomToSpare()
    {
        await using var log = new AuditLog(Options());
        await log.AppendAsync(AuditTestData.Entry(0));
        log.AdmissionRefusal.ShouldBeNull();
    }

    [TmpfsFact]
    public async Task FullDisk_RefusesBeforeItIsFull_AndEveryAcceptedRecordLands()
    {
        using var mount = TmpfsMount.Create(_home.Combine("small"), "2m");
        var dir = Path.Combine(mount.Path, "audit");
        var options = new AuditLogOptions { Directory = dir, ReserveBytes = 512 * 1024, LowReserveBytes = 128 * 1024, SigningKeyPath = KeyPath };
        var lost = 0;
        var accepted = 0;
        string? refusal;
        await using (var log = new AuditLog(options))
        {
            log.WriteFailed += (_, e) => Interlocked.Add(ref lost, e.RecordsLost);
            await log.AppendAsync(AuditTestData.Entry(0));
            accepted++;

            // Another program fills the disk: the reserve is the log's own, so calls still go ahead.
            mount.Fill();
            mount.FreeBytes().ShouldBeLessThan(8 * 1024);
            log.AdmissionRefusal.ShouldBeNull();

            // A broker: check admission, then queue the record and "perform" — until refused.
            var watch = Stopwatch.StartNew();
            while ((refusal = log.AdmissionRefusal) is null && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                _ = await log.QueueAsync(AuditTestData.Entry(accepted));
                accepted++;
            }

            refusal.ShouldNotBeNull("never refused");
            refusal.ShouldContain("the audit disk is nearly full");

            // What comes after the refusal (a plugin stopping, a denial) still has room: the low mark is headroom.
            for (var i = 0; i < 50; i++)
            {
                log.Append(AuditTestData.Entry(100_000 + i, action: AuditActions.PluginStopped));
            }

            await log.FlushAsync();
        }

        lost.ShouldBe(0);
        var written = new AuditReader(dir).Query(new AuditQuery()).ToList();
        written.Count(r => r.Action == AuditActions.FileRead).ShouldBe(accepted);
        written.Count(r => r.Action == AuditActions.PluginStopped).ShouldBe(50);
        var verified = AuditVerifier.Verify(dir, new AuditVerifyOptions { Key = AuditSigningKey.Load(KeyPath) });
        verified.Ok.ShouldBeTrue(verified.Problem);
        verified.UnsignedTail.ShouldBe(0);
    }

    [Fact]
    public async Task Retention_RemovesOldDays_AndTheChainStillVerifies()
    {
        using var store = new StockadeStore(_home.Path);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
        await using (var log = new AuditLog(Options(), store, time))
        {
            await log.AppendAsync(AuditTestData.Entry(0));
            await log.AppendAsync(AuditTestData.Entry(1));
        }

        time.Advance(TimeSpan.FromDays(1));
        await using (var log = new AuditLog(Options(), store, time))
        {
            await log.AppendAsync(AuditTestData.Entry(2));
        }

        time.Advance(TimeSpan.FromDays(2));
        var options = Options();
        options.RetentionDays = 2;
        await using (var log = new AuditLog(options, store, time))
        {
            await log.AppendAsync(AuditTestData.Entry(3));
        }

        Directory.GetFiles(AuditDir, "audit-*.jsonl").Select(Path.GetFileName).Order().ShouldBe(["audit-2026-11-23.jsonl"]);
        var result = Verify(store);
        result.Ok.ShouldBeTrue(result.Problem);
        string.Join("\n", result.Compared!).ShouldContain("records 1–3 were removed by retention");

        // Removing a day by hand, without a signed retention head, is still found.
        File.WriteAllText(Directory.GetFiles(AuditDir, "audit-*.jsonl").Single(), string.Empty);
        Verify(store).Ok.ShouldBeFalse();
    }

    private AuditLogOptions Options() => new() { Directory = AuditDir, SigningKeyPath = KeyPath };

    private AuditVerifyResult Verify(StockadeStore store) =>
        AuditVerifier.Verify(AuditDir, new AuditVerifyOptions
        {
            StoreHead = store.Read(),
            RequireStoreHead = true,
            Key = AuditSigningKey.Load(KeyPath),
            WriterOpen = AuditLog.IsOpenByAWriter(AuditDir),
        });

    private async Task WriteGenuineAsync(StockadeStore? store, int count)
    {
        await using var log = new AuditLog(Options(), store);
        for (var i = 0; i < count; i++)
        {
            await log.AppendAsync(AuditTestData.Entry(i));
        }
    }

    // What someone who can write the audit folder and the store does: a well-formed record, correctly chained and
    // hashed, appended to today's file, and the store's head moved onto it.
    private AuditRecord AppendForgery(StockadeStore store, string plugin)
    {
        var head = store.Read()!;
        var file = Directory.GetFiles(AuditDir, "audit-*.jsonl").Order(StringComparer.Ordinal).Last();
        var last = new AuditReader(AuditDir).Query(new AuditQuery { Limit = 1 }).Single();
        last.Hash.ShouldBe(head.Hash);
        var buffer = new ArrayBufferWriter<byte>();
        var forged = AuditRecordFormat.Create(head.Seq + 1, last.Ts.AddMilliseconds(1), new AuditEntry(AuditActions.PermissionGranted, AuditDecision.Allow, AuditLayer.Cli) { Plugin = plugin, Permission = "network:request=*" }, head.Hash, buffer);
        using (var stream = new FileStream(file, FileMode.Append))
        {
            stream.Write(buffer.WrittenSpan);
        }

        store.Write(new AuditHead(forged.Seq, forged.Hash));
        return forged;
    }
}
