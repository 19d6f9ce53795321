using System.Buffers;
using System.Text;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Tests.Audit;

public sealed class AuditRecordFormatTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 26, 8, 15, 30, 123, TimeSpan.Zero);

    [Fact]
    public void Create_Entry_CanonicalLineHasFixedKeyOrderAndNoWhitespace()
    {
        var record = AuditRecordFormat.Create(7, Ts, new AuditEntry(AuditActions.PluginKilled, AuditDecision.Info, AuditLayer.Watchdog)
        {
            Plugin = "com.example.one",
            Details = new Dictionary<string, string> { ["z"] = "last", ["a"] = "first" },
        }, AuditRecordFormat.GenesisHash);

        var line = Encoding.UTF8.GetString(AuditRecordFormat.ToCanonicalLine(record));

        line.ShouldBe(
            "{\"v\":2,\"seq\":7,\"ts\":\"2026-11-26T08:15:30.1230000Z\",\"action\":\"plugin.killed\",\"plugin\":\"com.example.one\",\"decision\":\"info\",\"layer\":\"watchdog\","
            + "\"permission\":null,\"resource\":null,\"details\":{\"a\":\"first\",\"z\":\"last\"},\"prev\":\"" + AuditRecordFormat.GenesisHash + "\",\"hash\":\"" + record.Hash + "\"}");
    }

    [Fact]
    public void Create_WithLineBuffer_WritesTheSameLineAsWriteLine()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var record = AuditRecordFormat.Create(1, Ts, AuditTestData.Entry(1), AuditRecordFormat.GenesisHash, buffer);
        var separate = new ArrayBufferWriter<byte>();

        AuditRecordFormat.WriteLine(record, separate);

        buffer.WrittenSpan.ToArray().ShouldBe(separate.WrittenSpan.ToArray());
    }

    [Fact]
    public void ComputeHash_AnyFieldChanged_HashChanges()
    {
        var record = AuditRecordFormat.Create(1, Ts, AuditTestData.Entry(1), AuditRecordFormat.GenesisHash);

        var variants = new[]
        {
            record with { Seq = 2 },
            record with { Ts = Ts.AddTicks(1) },
            record with { Action = AuditActions.FileWrite },
            record with { Plugin = null },
            record with { Decision = AuditDecision.Deny },
            record with { Layer = AuditLayer.Kernel },
            record with { Resource = "/data/2.txt" },
            record with { Details = new Dictionary<string, string> { ["i"] = "2" } },
            record with { Prev = new string('1', 64) },
        };

        variants.Select(AuditRecordFormat.ComputeHash).ShouldAllBe(hash => hash != record.Hash);
        AuditRecordFormat.ComputeHash(record).ShouldBe(record.Hash);
    }

    [Fact]
    public void TryParseLine_CanonicalLine_RoundTripsEveryField()
    {
        var record = AuditRecordFormat.Create(3, Ts, AuditTestData.Entry(3) with { Resource = "naïve ✓ \"quoted\"" }, new string('a', 64));

        AuditRecordFormat.TryParseLine(AuditRecordFormat.ToCanonicalLine(record), out var parsed, out var problem).ShouldBeTrue(problem);

        parsed.ShouldNotBeNull();
        (parsed.Seq, parsed.Ts, parsed.Action, parsed.Plugin, parsed.Decision, parsed.Layer, parsed.Permission, parsed.Resource, parsed.Prev, parsed.Hash)
            .ShouldBe((record.Seq, record.Ts, record.Action, record.Plugin, record.Decision, record.Layer, record.Permission, record.Resource, record.Prev, record.Hash));
        parsed.Details.ShouldBe(record.Details);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"seq\":\"one\"}", "\"seq\" is missing or not an integer")]
    [InlineData("{\"seq\":1,\"ts\":\"yesterday\",\"action\":\"a\",\"plugin\":null,\"decision\":\"allow\",\"layer\":\"cli\",\"permission\":null,\"resource\":null,\"details\":{},\"prev\":\"p\",\"hash\":\"h\"}", "\"ts\" is not a UTC timestamp")]
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-26T08:15:30.1230000Z\",\"action\":\"a\",\"plugin\":null,\"decision\":\"maybe\",\"layer\":\"cli\",\"permission\":null,\"resource\":null,\"details\":{},\"prev\":\"p\",\"hash\":\"h\"}", "\"decision\" must be allow, deny or info")]
    public void TryParseLine_BadInput_ReturnsFalseWithProblem(string line, string expected)
    {
        AuditRecordFormat.TryParseLine(Encoding.UTF8.GetBytes(line), out var record, out var problem).ShouldBeFalse();

        record.ShouldBeNull();
        problem.ShouldNotBeNull().ShouldContain(expected);
    }

    [Fact]
    public void Create_LoneSurrogateInText_StillProducesAParseableLine()
    {
        var record = AuditRecordFormat.Create(1, Ts, AuditTestData.Entry(1) with { Resource = "bad\ud800text" }, AuditRecordFormat.GenesisHash);

        AuditRecordFormat.TryParseLine(AuditRecordFormat.ToCanonicalLine(record), out var parsed, out _).ShouldBeTrue();

        parsed!.Resource.ShouldBe("bad\ufffdtext");
    }

    [Fact]
    public void AuditActions_All_AreUniqueLowercaseNounDotVerb()
    {
        AuditActions.All.Count.ShouldBe(29);
        AuditActions.All.Distinct().Count().ShouldBe(AuditActions.All.Count);
        AuditActions.All.ShouldAllBe(a => System.Text.RegularExpressions.Regex.IsMatch(a, "^[a-z]+\\.[a-z_]+$"));
    }
}
