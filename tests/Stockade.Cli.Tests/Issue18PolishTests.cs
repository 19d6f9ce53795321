using System.Text.RegularExpressions;
using Stockade.Cli.Commands;
using Stockade.Cli.Infrastructure;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 18 item 8, the polish users expect: a spinner on steps longer than a second (only on a terminal), "did you
/// mean" for a mistyped command or option, examples at the end of <c>--help</c> — each of which must itself parse.
/// </summary>
[Trait("Issue", "18")]
public sealed partial class Issue18PolishTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData(new[] { "instal", "./x" }, "install")]
    [InlineData(new[] { "isntall", "./x" }, "install")]
    [InlineData(new[] { "permisions", "x" }, "permissions")]
    [InlineData(new[] { "install", "./x", "--gant", "all" }, "--grant")]
    [InlineData(new[] { "run", "./x", "--quite" }, "--quiet")]
    [InlineData(new[] { "run", "./x", "--hoem", "/tmp" }, "--home")]
    [InlineData(new[] { "audit", "verfy" }, "verify")]
    public async Task Mistyped_CommandOrOption_ExitsOne_SaysDidYouMean(string[] args, string meant)
    {
        var result = await CliRunner.RunAsync(args);

        result.ExitCode.ShouldBe(1, result.Stderr);
        result.Stderr.ShouldContain($"Did you mean '{meant}'?");
        result.Stderr.ShouldContain("--help");
    }

    [Fact]
    public async Task Mistyped_NothingClose_NoGuess()
    {
        var result = await CliRunner.RunAsync("zzzzqqq");

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldNotContain("Did you mean");
    }

    [Theory]
    [InlineData(new[] { "--help" }, "stockade install ./greeter")]
    [InlineData(new[] { "run", "--help" }, "stockade run ./greeter greet --input")]
    [InlineData(new[] { "install", "--help" }, "--grant all --yes")]
    [InlineData(new[] { "audit", "--help" }, "stockade audit verify")]
    public async Task Help_EndsWithExamples(string[] args, string example)
    {
        var result = await CliRunner.RunAsync(args);

        result.ExitCode.ShouldBe(0, result.Stderr);
        var examples = result.Stdout.IndexOf("Examples:", StringComparison.Ordinal);
        examples.ShouldBeGreaterThan(result.Stdout.IndexOf("Options:", StringComparison.Ordinal), result.Stdout);
        result.Stdout[examples..].ShouldContain(example);
    }

    [Fact]
    public void Help_EveryExample_ParsesAsWritten()
    {
        var root = CliApplication.BuildRoot(CliConsole.CreateCaptured(new StringWriter(), new StringWriter()));
        var commands = new[] { "stockade" }.Concat(root.Subcommands.SelectMany(c => c.Subcommands.Select(s => $"stockade {c.Name} {s.Name}").Prepend($"stockade {c.Name}")));
        var checkedCount = 0;
        foreach (var path in commands)
        {
            foreach (var example in CommandExamples.For(path).Where(e => !e.Contains("<command>", StringComparison.Ordinal)))
            {
                var typed = TrailingComment().Replace(example, string.Empty);
                var words = Issue18AdviceTests.ShellWords(typed.Replace("<key-id>", "k1", StringComparison.Ordinal));
                words[0].ShouldBe("stockade");
                var parse = root.Parse([.. words.Skip(1)]);
                parse.Errors.ShouldBeEmpty($"'{example}' does not parse: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
                checkedCount++;
            }
        }

        checkedCount.ShouldBeGreaterThan(20);
    }

    [Fact]
    public async Task Spinner_OnATerminal_ShownForALongCall_ErasedAfter()
    {
        var result = await Issue18Terminal.RunAsync([], "run", CliRunner.Sample("plugins/issue18-author-csharp"), "wait", "--input", """{"ms":2500}""", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Screen);
        result.Screen.ShouldContain("samples.author: calling wait (", Case.Sensitive, result.Screen);
        result.Screen.TrimEnd().ShouldEndWith("2500", Case.Sensitive, "the spinner's line is erased; the result is what remains");
    }

    [Fact]
    public async Task Spinner_NotATerminal_NeverDrawn()
    {
        var result = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/issue18-author-csharp"), "wait", "--input", """{"ms":1500}""", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stderr.ShouldNotContain("calling wait");
        result.Stderr.ShouldNotContain("\u001b");
        result.Stdout.Trim().ShouldBe("1500");
    }

    [GeneratedRegex(@"\s{2,}\S.*$")]
    private static partial Regex TrailingComment();
}
