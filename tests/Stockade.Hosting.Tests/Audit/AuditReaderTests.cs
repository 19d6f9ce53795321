using Stockade.Core.Audit;
using Stockade.Hosting.Audit;

namespace Stockade.Hosting.Tests.Audit;

public sealed class AuditReaderTests : IDisposable
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Query_ByPlugin_ReturnsOnlyItsRecordsInOrder()
    {
        var reader = await WriteAsync();

        var records = reader.Query(new AuditQuery { Plugin = "beta" }).ToList();

        records.Count.ShouldBe(6);
        records.ShouldAllBe(r => r.Plugin == "beta");
        records.Select(r => r.Seq).ShouldBeInOrder();
    }

    [Theory]
    [InlineData("plugin", 6)]
    [InlineData("plugin.started", 6)]
    [InlineData("file.r*", 6)]
    [InlineData("file", 6)]
    [InlineData("plug", 0)]
    public async Task Query_ByAction_MatchesExactFamilyOrPrefix(string action, int expected)
    {
        var reader = await WriteAsync();

        reader.Query(new AuditQuery { Action = action }).Count().ShouldBe(expected);
    }

    [Fact]
    public async Task Query_Limit_ReturnsLatestAcrossFilesOldestFirst()
    {
        var reader = await WriteAsync();

        var records = reader.Query(new AuditQuery { Limit = 5 }).Select(r => r.Seq).ToList();

        records.ShouldBe([8L, 9, 10, 11, 12]);
    }

    [Fact]
    public async Task Query_SinceUntil_SelectsTheMiddleDay()
    {
        var reader = await WriteAsync();

        var records = reader.Query(new AuditQuery { Since = Day1.AddDays(1).Date, Until = Day1.AddDays(2).Date }).ToList();

        records.Count.ShouldBe(4);
        records.ShouldAllBe(r => r.Ts.Day == Day1.Day + 1);
    }

    [Fact]
    public async Task Query_DamagedLine_SkippedNotThrown()
    {
        var reader = await WriteAsync();
        File.AppendAllText(Directory.GetFiles(reader.Directory, "audit-*.jsonl").Order(StringComparer.Ordinal).First(), "{not json\n");

        reader.Query(new AuditQuery()).Count().ShouldBe(12);
    }

    // Three days, four records a day, alternating plugins alpha/beta and actions plugin.started/file.read.
    private async Task<AuditReader> WriteAsync()
    {
        var dir = _home.Combine("audit");
        var time = new ManualTimeProvider(Day1);
        await using (var log = new AuditLog(new AuditLogOptions { Directory = dir, Fsync = AuditFsyncPolicy.Never }, time: time))
        {
            for (var i = 0; i < 12; i++)
            {
                time.Set(Day1.AddDays(i / 4).AddMinutes(i));
                await log.AppendAsync(AuditTestData.Entry(i, plugin: i % 2 == 0 ? "alpha" : "beta", action: i % 2 == 0 ? AuditActions.PluginStarted : AuditActions.FileRead));
            }
        }

        return new AuditReader(dir);
    }
}
