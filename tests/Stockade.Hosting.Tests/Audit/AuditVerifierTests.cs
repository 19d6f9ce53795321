using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.Audit;

public sealed class AuditVerifierTests : IDisposable
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _home = new();
    private readonly StockadeStore _store;

    public AuditVerifierTests() => _store = new StockadeStore(_home.Path);

    private string AuditDir => _home.Combine("audit");

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _home.Dispose();
    }

    [Fact]
    public async Task Verify_IntactLogOverThreeDays_Ok()
    {
        await WriteDaysAsync(3, perDay: 10);

        var result = AuditVerifier.Verify(AuditDir, _store.Read());

        result.ShouldBe(new AuditVerifyResult { Ok = true, Records = 30 });
    }

    [Fact]
    public void Verify_EmptyFolder_OkWithNoRecords()
    {
        AuditVerifier.Verify(_home.Combine("nothing-here")).ShouldBe(new AuditVerifyResult { Ok = true, Records = 0 });
    }

    [Fact]
    public async Task Verify_OneByteEdited_ReportsHashMismatchAtThatLine()
    {
        var file = (await WriteDaysAsync(1, perDay: 20))[0];
        var lines = File.ReadAllLines(file);
        lines[16] = lines[16].Replace("/data/16.txt", "/data/96.txt", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);

        var result = AuditVerifier.Verify(AuditDir, _store.Read());

        result.Ok.ShouldBeFalse();
        result.File.ShouldBe(Path.GetFileName(file));
        result.Line.ShouldBe(17);
        result.Records.ShouldBe(16);
        result.Problem.ShouldBe($"{Path.GetFileName(file)} line 17: hash does not match its content (record was edited)");
    }

    [Fact]
    public async Task Verify_ByteEditedInsideTheHash_ReportsThatLine()
    {
        var file = (await WriteDaysAsync(1, perDay: 5))[0];
        var lines = File.ReadAllLines(file);
        var at = lines[2].LastIndexOf('"') - 1;
        lines[2] = lines[2][..at] + (lines[2][at] == '0' ? '1' : '0') + lines[2][(at + 1)..];
        File.WriteAllLines(file, lines);

        var result = AuditVerifier.Verify(AuditDir);

        (result.Ok, result.Line).ShouldBe((false, 3));
    }

    [Fact]
    public async Task Verify_LineDeleted_ReportsMissingRecordAtThatLine()
    {
        var file = (await WriteDaysAsync(1, perDay: 20))[0];
        var lines = File.ReadAllLines(file).ToList();
        lines.RemoveAt(9);
        File.WriteAllLines(file, lines);

        var result = AuditVerifier.Verify(AuditDir, _store.Read());

        (result.Ok, result.File, result.Line).ShouldBe((false, Path.GetFileName(file), 10));
        result.Problem.ShouldNotBeNull().ShouldContain("seq 11 where 10 was expected: record 10 is missing");
    }

    [Fact]
    public async Task Verify_TwoLinesSwapped_ReportsTheFirstOfThem()
    {
        var file = (await WriteDaysAsync(1, perDay: 20))[0];
        var lines = File.ReadAllLines(file);
        (lines[4], lines[5]) = (lines[5], lines[4]);
        File.WriteAllLines(file, lines);

        var result = AuditVerifier.Verify(AuditDir, _store.Read());

        (result.Ok, result.File, result.Line).ShouldBe((false, Path.GetFileName(file), 5));
        result.Problem.ShouldNotBeNull().ShouldContain("out of order");
    }

    [Fact]
    public async Task Verify_TailCut_ReportedOnlyAgainstTheStoredHead()
    {
        var file = (await WriteDaysAsync(1, perDay: 20))[0];
        File.WriteAllLines(file, File.ReadAllLines(file)[..17]);

        var withoutHead = AuditVerifier.Verify(AuditDir);
        var withHead = AuditVerifier.Verify(AuditDir, _store.Read());

        withoutHead.Ok.ShouldBeTrue(); // a cut tail is a valid shorter chain: this is what the head is for
        (withHead.Ok, withHead.File, withHead.Line, withHead.Records).ShouldBe((false, Path.GetFileName(file), 18, 17L));
        withHead.Problem.ShouldNotBeNull().ShouldContain("records 18–20 are missing (the tail was cut");
    }

    [Fact]
    public async Task Verify_MiddleFileDeleted_ReportsFirstLineOfTheNextFile()
    {
        var files = await WriteDaysAsync(3, perDay: 10);
        File.Delete(files[1]);

        var result = AuditVerifier.Verify(AuditDir, _store.Read());

        (result.Ok, result.File, result.Line).ShouldBe((false, Path.GetFileName(files[2]), 1));
        result.Problem.ShouldNotBeNull().ShouldContain("records 11–20 are missing (a whole file was deleted");
    }

    [Fact]
    public async Task Verify_NewestFileDeleted_ReportsAfterTheLastRemainingLine()
    {
        var files = await WriteDaysAsync(3, perDay: 10);
        File.Delete(files[2]);

        var result = AuditVerifier.Verify(AuditDir, _store.Read());

        (result.Ok, result.File, result.Line).ShouldBe((false, Path.GetFileName(files[1]), 11));
        result.Problem.ShouldNotBeNull().ShouldContain("the newest file was deleted");
    }

    [Fact]
    public async Task Verify_WholeChainRewrittenWithValidHashes_ReportsMismatchWithStoredHead()
    {
        await WriteDaysAsync(1, perDay: 5);
        var head = _store.Read()!;
        Directory.Delete(AuditDir, recursive: true);
        await using (var forger = new AuditLog(new AuditLogOptions { Directory = AuditDir, Fsync = AuditFsyncPolicy.Never }, time: new ManualTimeProvider(Day1)))
        {
            for (var i = 0; i < 5; i++)
            {
                await forger.AppendAsync(AuditTestData.Entry(i, plugin: "forged"));
            }
        }

        var result = AuditVerifier.Verify(AuditDir, head);

        (result.Ok, result.Line).ShouldBe((false, 5));
        result.Problem.ShouldNotBeNull().ShouldContain("not the one stockade.db says was written");
    }

    [Fact]
    public async Task Verify_LineReformatted_ReportsNotCanonical()
    {
        var file = (await WriteDaysAsync(1, perDay: 3))[0];
        var lines = File.ReadAllLines(file);
        lines[1] = lines[1].Replace("\"seq\":2,", "\"seq\": 2,", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);

        var result = AuditVerifier.Verify(AuditDir);

        (result.Ok, result.Line).ShouldBe((false, 2));
        result.Problem.ShouldNotBeNull().ShouldContain("not in canonical form");
    }

    [Fact]
    public async Task Verify_TornLastLine_ReportsItWithoutThrowing()
    {
        var file = (await WriteDaysAsync(1, perDay: 3))[0];
        var text = File.ReadAllText(file);
        File.WriteAllText(file, text[..^40]);

        var result = AuditVerifier.Verify(AuditDir);

        (result.Ok, result.Line).ShouldBe((false, 3));
        result.Problem.ShouldNotBeNull().ShouldContain("not valid JSON");
    }

    [Fact]
    public async Task AppendAsync_AfterTornLastLine_StartsOnAFreshLineAndChainsFromLastGoodRecord()
    {
        var file = (await WriteDaysAsync(1, perDay: 3))[0];
        var lines = File.ReadAllLines(file);
        File.WriteAllText(file, string.Join('\n', lines[..2]) + "\n" + lines[2][..30]);

        await using (var log = new AuditLog(new AuditLogOptions { Directory = AuditDir, Fsync = AuditFsyncPolicy.Never }, time: new ManualTimeProvider(Day1.AddHours(1))))
        {
            (await log.AppendAsync(AuditTestData.Entry(9))).Seq.ShouldBe(3);
        }

        File.ReadAllLines(file).Length.ShouldBe(4);
        AuditVerifier.Verify(AuditDir).Line.ShouldBe(3); // the torn line stays visible to verify
    }

    private async Task<List<string>> WriteDaysAsync(int days, int perDay)
    {
        var time = new ManualTimeProvider(Day1);
        await using (var log = new AuditLog(new AuditLogOptions { Directory = AuditDir, Fsync = AuditFsyncPolicy.Never }, _store, time))
        {
            for (var d = 0; d < days; d++)
            {
                time.Set(Day1.AddDays(d));
                for (var i = 0; i < perDay; i++)
                {
                    await log.AppendAsync(AuditTestData.Entry(i));
                }
            }
        }

        return [.. Directory.GetFiles(AuditDir, "audit-*.jsonl").Order(StringComparer.Ordinal)];
    }
}
