using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Stockade.Cli.Infrastructure;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 18 item 7 (first half), the plugin author's loop: <c>stockade run</c> shows what the plugin logged, each line
/// with its level, and what it wrote to its console, on stderr (stdout stays the result alone); <c>--quiet</c> hides
/// them; the plugin's text is sanitised for the terminal. Real worker, real plugin.
/// </summary>
[Trait("Issue", "18")]
public sealed partial class Issue18RunOutputTests : IDisposable
{
    private readonly TempHome _home = new();
    private readonly string _plugin = CliRunner.Sample("plugins/issue18-author-csharp");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Run_PluginLogsAndPrints_EachLineOnStderrWithItsLevel_StdoutIsTheResultAlone()
    {
        var result = await CliRunner.RunAsync("run", _plugin, "talk", "--input", """{"text":"t1"}""", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        JsonSerializer.Deserialize<string>(result.Stdout).ShouldBe("talked");
        var lines = result.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var levelled = lines.Select(l => LevelledLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[2].Value).ToList();
        foreach (var what in new[] { "info", "warning", "error" })
        {
            levelled.ShouldContain($"{what} line t1", result.Stderr);
        }

        lines.ShouldContain("[samples.author] console: console out t1", result.Stderr);
        lines.ShouldContain("[samples.author] console: console err t1", result.Stderr);
    }

    [Fact]
    public async Task Run_Quiet_HidesThePluginsLines_ResultUnchanged()
    {
        var result = await CliRunner.RunAsync("run", _plugin, "talk", "--input", """{"text":"t2"}""", "--quiet", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        JsonSerializer.Deserialize<string>(result.Stdout).ShouldBe("talked");
        result.Stderr.ShouldNotContain("t2");
        result.Stderr.ShouldNotContain("[samples.author]");
    }

    [Fact]
    public async Task Run_PluginTextWithTerminalControls_ShownAsEscapes_NeverStartsALineOfItsOwn()
    {
        var hostile = "\u001b[2J\u001b]0;owned\u0007\rstockade: fake\nstockade grant samples.author file:write=/**\u009b31m\u202eevil";
        var input = JsonSerializer.Serialize(new { text = hostile });

        var result = await CliRunner.RunAsync("run", _plugin, "talk", "--input", input, "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        // A log line keeps its newline as an escape; console output is read line by line, so each part gets the prefix.
        result.Stderr.ShouldContain("error line \\x1b[2J\\x1b]0;owned\\x07\\rstockade: fake\\nstockade grant");
        result.Stderr.ShouldContain("[samples.author] console: console out \\x1b[2J\\x1b]0;owned\\x07\\rstockade: fake\n");
        result.Stderr.ShouldContain("[samples.author] console: stockade grant samples.author file:write=/**\\x9b31m\\u202eevil");
        foreach (var c in result.Stderr)
        {
            (c is '\n' || (c >= ' ' && c != '\u007f' && c is not (>= '\u0080' and <= '\u009f') && c != '\u202e')).ShouldBeTrue($"U+{(int)c:X4} reached the terminal");
        }

        var lines = result.Stderr.Split('\n');
        lines.ShouldNotContain(l => l.StartsWith("stockade: fake", StringComparison.Ordinal) || l.StartsWith("stockade grant", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(LogLevel.Debug, "debug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Warning, "warn")]
    [InlineData(LogLevel.Error, "error")]
    public void PluginOutputLog_PluginLogEvent_ShowsTheLevelTheHostLoggedItAt(LogLevel level, string label)
    {
        var error = new StringWriter();
        var log = new PluginOutputLog(error);
        IReadOnlyList<KeyValuePair<string, object?>> state = [new("PluginId", "p.one"), new("Message", "m\u001b[1m")];

        log.CreateLogger("Stockade.Plugins.p.one").Log(level, new EventId(PluginOutputLog.PluginLogEvent, "PluginLog"), state, null, (_, _) => "ignored");
        log.CreateLogger("Stockade.Hosting.PluginHost").Log(level, new EventId(1000, "WorkerStarted"), state, null, (_, _) => "the host's own line");

        error.ToString().ShouldBe($"[p.one] {label}: m\\x1b[1m{Environment.NewLine}");
    }

    [GeneratedRegex(@"^\[samples\.author\] (trace|debug|info|warn|error|critical): (.*)$")]
    private static partial Regex LevelledLine();
}
