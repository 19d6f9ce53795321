using System.Globalization;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly TempDirectory _home = new();

    private string AuditDir => _home.Combine("audit");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task AppendAsync_FirstRecords_ChainFromGenesis()
    {
        await using var log = new AuditLog(Options());

        var first = await log.AppendAsync(AuditTestData.Entry(0));
        var second = await log.AppendAsync(AuditTestData.Entry(1));

        first.Seq.ShouldBe(1);
        first.Prev.ShouldBe(AuditRecordFormat.GenesisHash);
        second.Seq.ShouldBe(2);
        second.Prev.ShouldBe(first.Hash);
        AuditRecordFormat.ComputeHash(second).ShouldBe(second.Hash);
    }

    [Fact]
    public async Task AppendAsync_ManyRecords_VerifyOkAndHeadStored()
    {
        using var store = new StockadeStore(_home.Path);
        AuditRecord last;
        await using (var log = new AuditLog(Options(), store))
        {
            var tasks = Enumerable.Range(0, 200).Select(i => log.AppendAsync(AuditTestData.Entry(i)).AsTask()).ToList();
            last = (await Task.WhenAll(tasks)).MaxBy(r => r.Seq)!;
        }

        var result = AuditVerifier.Verify(AuditDir, store.Read());

        result.Ok.ShouldBeTrue(result.Problem);
        result.Records.ShouldBe(200);
        store.Read().ShouldBe(new AuditHead(200, last.Hash));
    }

    [Fact]
    public async Task Append_FireAndForget_AllWrittenByDispose()
    {
        await using (var log = new AuditLog(Options()))
        {
            for (var i = 0; i < 1000; i++)
            {
                log.Append(AuditTestData.Entry(i));
            }
        }

        new AuditReader(AuditDir).Query(new AuditQuery()).Select(r => r.Seq).ShouldBe(Enumerable.Range(1, 1000).Select(i => (long)i));
    }

    [Fact]
    public async Task Append_QueueSmallerThanBurst_WaitsAndDropsNothing()
    {
        var options = Options();
        options.QueueCapacity = 4;
        options.MaxBatchSize = 2;
        await using (var log = new AuditLog(options))
        {
            for (var i = 0; i < 300; i++)
            {
                log.Append(AuditTestData.Entry(i));
            }
        }

        AuditVerifier.Verify(AuditDir).Records.ShouldBe(300);
    }

    [Fact]
    public async Task AppendAsync_ReopenedLog_ContinuesTheChain()
    {
        AuditRecord third;
        await using (var log = new AuditLog(Options()))
        {
            await log.AppendAsync(AuditTestData.Entry(0));
            await log.AppendAsync(AuditTestData.Entry(1));
            third = await log.AppendAsync(AuditTestData.Entry(2));
        }

        await using (var reopened = new AuditLog(Options()))
        {
            var fourth = await reopened.AppendAsync(AuditTestData.Entry(3));
            fourth.Seq.ShouldBe(4);
            fourth.Prev.ShouldBe(third.Hash);
        }

        AuditVerifier.Verify(AuditDir).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task RecordWritten_Subscriber_SeesEveryRecordInOrder()
    {
        var seen = new List<long>();
        await using var log = new AuditLog(Options());
        log.RecordWritten += (_, e) => seen.Add(e.Record.Seq);

        for (var i = 0; i < 50; i++)
        {
            log.Append(AuditTestData.Entry(i));
        }

        await log.FlushAsync();

        seen.ShouldBe(Enumerable.Range(1, 50).Select(i => (long)i));
    }

    [Fact]
    public async Task AppendAsync_AcrossMidnight_ChainsIntoTheNextDaysFile()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 25, 23, 59, 58, TimeSpan.Zero));
        await using (var log = new AuditLog(Options(), time: time))
        {
            await log.AppendAsync(AuditTestData.Entry(0));
            await log.AppendAsync(AuditTestData.Entry(1));
            time.Set(new DateTimeOffset(2026, 11, 26, 0, 0, 1, TimeSpan.Zero));
            var firstOfDay = await log.AppendAsync(AuditTestData.Entry(2));
            await log.AppendAsync(AuditTestData.Entry(3));

            firstOfDay.Seq.ShouldBe(3);
        }

        Directory.GetFiles(AuditDir, "audit-*.jsonl").Select(Path.GetFileName).Order().ShouldBe(["audit-2026-11-25.jsonl", "audit-2026-11-26.jsonl"]);
        var newDay = File.ReadAllLines(Path.Combine(AuditDir, "audit-2026-11-26.jsonl"));
        var oldDay = File.ReadAllLines(Path.Combine(AuditDir, "audit-2026-11-25.jsonl"));
        newDay.Length.ShouldBe(2);
        AuditRecordFormat.TryParseLine(System.Text.Encoding.UTF8.GetBytes(newDay[0]), out var first, out _).ShouldBeTrue();
        AuditRecordFormat.TryParseLine(System.Text.Encoding.UTF8.GetBytes(oldDay[^1]), out var lastOfOldDay, out _).ShouldBeTrue();
        first!.Prev.ShouldBe(lastOfOldDay!.Hash);
        AuditVerifier.Verify(AuditDir).Records.ShouldBe(4);
    }

    [Fact]
    public async Task AppendAsync_ClockGoesBack_TimeStaysNonDecreasing()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var log = new AuditLog(Options(), time: time);

        var first = await log.AppendAsync(AuditTestData.Entry(0));
        time.Set(first.Ts.AddMinutes(-5));
        var second = await log.AppendAsync(AuditTestData.Entry(1));

        second.Ts.ShouldBe(first.Ts);
        await log.FlushAsync();
        AuditVerifier.Verify(AuditDir).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task AppendAsync_SecretsInDetailsAndResource_AreNeverWritten()
    {
        await using (var log = new AuditLog(Options()))
        {
            await log.AppendAsync(new AuditEntry(AuditActions.NetworkRequest, AuditDecision.Allow, AuditLayer.Broker)
            {
                Plugin = "com.example.one",
                Resource = "https://alice:pw-in-url@api.example.com/v1?token=tok-in-query&page=2",
                Details = new Dictionary<string, string>
                {
                    ["password"] = "hunter2",
                    ["apiKey"] = "key-value-123",
                    ["header"] = "Authorization: Bearer eyJhbGciOi.payload.sig",
                    ["pem"] = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBase64Material\n-----END EC PRIVATE KEY-----",
                    ["method"] = "GET",
                },
            });
        }

        var text = File.ReadAllText(Directory.GetFiles(AuditDir, "audit-*.jsonl").Single());
        foreach (var secret in new[] { "hunter2", "key-value-123", "eyJhbGciOi", "MHcCAQEEIBase64Material", "pw-in-url", "tok-in-query" })
        {
            text.ShouldNotContain(secret);
        }

        text.ShouldContain("\"method\":\"GET\"");
        text.ShouldContain("page=2");
        text.ShouldContain(Redactor.Placeholder);
        AuditVerifier.Verify(AuditDir).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task AppendAsync_FileCannotBeWritten_FaultsCallerAndRaisesWriteFailed()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var blocker = Directory.CreateDirectory(Path.Combine(AuditDir, "audit-2026-11-26.jsonl")); // a folder where the file must go
        AuditWriteFailedEventArgs? failure = null;
        await using var log = new AuditLog(Options(), time: time);
        log.WriteFailed += (_, e) => failure = e;

        var thrown = await Should.ThrowAsync<AuditWriteException>(async () => await log.AppendAsync(AuditTestData.Entry(0)));

        thrown.Message.ShouldContain(AuditDir);
        failure.ShouldNotBeNull().RecordsLost.ShouldBe(1);

        blocker.Delete();
        var retried = await log.AppendAsync(AuditTestData.Entry(1));
        retried.Seq.ShouldBe(1); // the failed record took no place in the chain
    }

    [Fact]
    public async Task AppendAsync_EightThreadsAndTwoProcesses_EveryRecordOnOneIntactChain()
    {
        const int perThread = 250;
        const int perProcess = 500;
        using var store = new StockadeStore(_home.Path);
        var processes = new[]
        {
            HelperProcess.Start("append", _home.Path, perProcess.ToString(CultureInfo.InvariantCulture), "process-a"),
            HelperProcess.Start("append", _home.Path, perProcess.ToString(CultureInfo.InvariantCulture), "process-b"),
        };

        await using (var log = new AuditLog(Options(), store))
        {
            var threads = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < perThread; i++)
                {
                    await log.AppendAsync(AuditTestData.Entry(i, plugin: $"thread-{t}"));
                }
            }));
            await Task.WhenAll(threads);
        }

        foreach (var process in processes)
        {
            var (exitCode, output) = await HelperProcess.WaitAsync(process);
            exitCode.ShouldBe(0, output);
            process.Dispose();
        }

        var result = AuditVerifier.Verify(AuditDir, store.Read());
        result.Ok.ShouldBeTrue(result.Problem);
        result.Records.ShouldBe((8 * perThread) + (2 * perProcess));
        store.Read()!.Seq.ShouldBe(result.Records);
        var records = new AuditReader(AuditDir).Query(new AuditQuery()).ToList();
        foreach (var (plugin, count) in Enumerable.Range(0, 8).Select(t => ($"thread-{t}", perThread)).Append(("process-a", perProcess)).Append(("process-b", perProcess)))
        {
            records.Where(r => r.Plugin == plugin).Select(r => r.Details["i"]).Order().ShouldBe(
                Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(),
                $"records of {plugin}");
        }
    }

    [Fact]
    public async Task AppendAsync_UndefinedDecision_ThrowsAtCallSiteAndLogStaysUsable()
    {
        await using var log = new AuditLog(Options());

        await Should.ThrowAsync<ArgumentException>(async () => await log.AppendAsync(new AuditEntry("x.y", (AuditDecision)42, AuditLayer.Host)));

        (await log.AppendAsync(AuditTestData.Entry(0))).Seq.ShouldBe(1);
    }

    [Fact]
    public async Task AppendAsync_HeadStoreUnreadable_FaultsInsteadOfHanging()
    {
        await using var log = new AuditLog(Options(), new ThrowingHeadStore());

        var thrown = await Should.ThrowAsync<AuditWriteException>(async () => await log.AppendAsync(AuditTestData.Entry(0)).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        thrown.InnerException.ShouldBeOfType<InvalidOperationException>();
    }

    private AuditLogOptions Options() => new() { Directory = AuditDir, Fsync = AuditFsyncPolicy.Never };

    private sealed class ThrowingHeadStore : IAuditHeadStore
    {
        public AuditHead? Read() => throw new InvalidOperationException("store is gone");

        public void Write(AuditHead head) => throw new InvalidOperationException("store is gone");
    }
}
