using System.Text.Json;
using Stockade.Cli.Commands;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 18, item 7: <c>stockade init --lang python|node</c> writes a plugin on the language's protocol helper
/// (<c>stockade.py</c> / <c>stockade.js</c>) that validates and runs confined as written, and whose brokered call works
/// once installed with the grant and is refused — exit 3, naming the permission — without it.
/// </summary>
[Trait("Issue", "18")]
public sealed class Issue18InitLangTests : IDisposable
{
    private static readonly string Templates = Path.Combine(CliRunner.RepoRoot, "templates", "content");
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData("node", "stockade-plugin-node", "stockade.js")]
    [InlineData("python", "stockade-plugin-python", "stockade.py")]
    public async Task Init_WritesTheTemplateWithItsHelper_TokenForToken(string lang, string template, string helper)
    {
        var dir = Path.Combine(_home.Path, "work", "weather");

        var result = await CliRunner.RunAsync("init", dir, "--lang", lang, "--id", "shop.weather", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        var source = Path.Combine(Templates, template);
        var expected = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(source, f))
            .Where(f => !f.StartsWith(".template.config", StringComparison.Ordinal) && !f.Contains("__pycache__", StringComparison.Ordinal))
            .ToList();
        expected.ShouldContain(helper);
        foreach (var file in expected)
        {
            File.ReadAllText(Path.Combine(dir, file)).ShouldBe(PluginTemplate.Fill(File.ReadAllText(Path.Combine(source, file)), "Weather", "shop.weather"), file);
        }

        File.Exists(Path.Combine(dir, PluginTemplate.SchemaPath)).ShouldBeTrue();
        result.Stdout.ShouldContain($"({lang}, id shop.weather)");
    }

    [Fact]
    public void NodeTemplateJson_ReplacesTheTokensInitReplaces()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Templates, PluginTemplate.Node, ".template.config", "template.json")));
        var symbols = json.RootElement.GetProperty("symbols");
        symbols.GetProperty("PluginType").GetProperty("replaces").GetString().ShouldBe(PluginTemplate.TypeToken);
        symbols.GetProperty("PluginId").GetProperty("replaces").GetString().ShouldBe(PluginTemplate.IdToken);
        json.RootElement.GetProperty("shortName").GetString().ShouldBe(PluginTemplate.Node);
        json.RootElement.GetProperty("identity").GetString().ShouldBe("Stockade.Templates.Plugin.Node");
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task Init_Output_ValidatesAndRunsConfined_AsWritten(string lang)
    {
        var dir = Path.Combine(_home.Path, "greeter-" + lang);
        (await CliRunner.RunAsync("init", dir, "--lang", lang, "--home", _home.Path)).ExitCode.ShouldBe(0);

        var validate = await CliRunner.RunAsync("validate", dir, "--home", _home.Path);
        var run = await CliRunner.RunAsync("run", dir, "hello", "--input", """{"name":"you"}""", "--json", "--home", _home.Path);

        validate.ExitCode.ShouldBe(0, validate.Stdout + validate.Stderr);
        run.ExitCode.ShouldBe(0, run.Stdout + run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        doc.RootElement.GetProperty("result").GetProperty("message").GetString().ShouldBe("Hello, you!");
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task Init_Output_BrokeredStoreCall_WorksWhenGranted_AndIsRefusedNamingThePermissionWhenNot(string lang)
    {
        var granted = Path.Combine(_home.Path, "counter-" + lang);
        var refused = Path.Combine(_home.Path, "refused-" + lang);
        (await CliRunner.RunAsync("init", granted, "--lang", lang, "--id", $"t.counter-{lang}", "--home", _home.Path)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("init", refused, "--lang", lang, "--id", $"t.refused-{lang}", "--home", _home.Path)).ExitCode.ShouldBe(0);
        var install = await CliRunner.RunAsync("install", granted, "--grant", "database:write=greetings", "--yes", "--home", _home.Path);
        install.ExitCode.ShouldBe(0, install.Stdout + install.Stderr);
        (await CliRunner.RunAsync("install", refused, "--grant", "none", "--yes", "--home", _home.Path)).ExitCode.ShouldBe(0);

        var first = await CliRunner.RunAsync("run", $"t.counter-{lang}", "count", "--json", "--home", _home.Path);
        var second = await CliRunner.RunAsync("run", $"t.counter-{lang}", "count", "--json", "--home", _home.Path);
        var denied = await CliRunner.RunAsync("run", $"t.refused-{lang}", "count", "--home", _home.Path);

        first.ExitCode.ShouldBe(0, first.Stdout + first.Stderr);
        Count(first).ShouldBe(1);
        Count(second).ShouldBe(2);
        denied.ExitCode.ShouldBe(3, denied.Stdout + denied.Stderr);
        // The store's first call is a read: the broker refuses database:read=greetings (implied by the declared write).
        denied.Stderr.ShouldMatch(@"database:(read|write)=greetings");
    }

    private static int Count(CliResult run)
    {
        using var doc = JsonDocument.Parse(run.Stdout);
        return doc.RootElement.GetProperty("result").GetProperty("count").GetInt32();
    }
}
