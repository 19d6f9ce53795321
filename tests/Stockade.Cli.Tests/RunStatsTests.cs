using System.Text.Json;

namespace Stockade.Cli.Tests;

/// <summary><c>stockade run --stats</c> (issue #7 §5): usage while the call runs and after it, on stderr; stdout stays the result.</summary>
public sealed class RunStatsTests : IClassFixture<TempHome>
{
    private readonly string _home;

    public RunStatsTests(TempHome home) => _home = home.Path;

    [Fact]
    public async Task Run_StatsOnALongCall_PrintsUsageWhileRunningAndAfterOnStderr()
    {
        // The watchdog samples every second; a 2 s call spans at least one sample.
        var result = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-csharp"), "sleep", "--input", """{"ms":2000}""", "--stats", "--home", _home);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.Trim().ShouldBe("2000");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var running = lines.Where(l => l.StartsWith("usage of samples.hello while running", StringComparison.Ordinal)).ToArray();
        running.ShouldNotBeEmpty(result.Stderr);
        running[0].ShouldMatch(@"CPU [\d.]+ %, RSS [\d.]+ MiB, threads \d+, open files \d+, disk in \$PLUGIN_DATA ");
        var after = lines.Last(l => l.StartsWith("usage of samples.hello", StringComparison.Ordinal));
        after.ShouldStartWith("usage of samples.hello after the call: CPU");
        after.ShouldContain("(total ");
        Array.IndexOf(lines, running[^1]).ShouldBeLessThan(Array.IndexOf(lines, after));
    }

    [Fact]
    public async Task Run_StatsWithJson_StdoutIsOneDocumentWithUsage()
    {
        var result = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-csharp"), "sleep", "--input", """{"ms":2000}""", "--stats", "--json", "--home", _home);

        result.ExitCode.ShouldBe(0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        doc.RootElement.GetProperty("result").GetInt32().ShouldBe(2000);
        doc.RootElement.GetProperty("usage").GetProperty("memoryBytes").GetInt64().ShouldBeGreaterThan(0);
        result.Stderr.ShouldContain("usage of samples.hello while running");
    }

    [Fact]
    public async Task Run_WithoutStats_PrintsNoUsage()
    {
        var result = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-csharp"), "sleep", "--input", """{"ms":1200}""", "--home", _home);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.Trim().ShouldBe("1200");
        result.Stderr.ShouldNotContain("usage of");
    }
}
