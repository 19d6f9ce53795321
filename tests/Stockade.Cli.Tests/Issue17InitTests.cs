using System.Text.Json;
using Stockade.Cli.Commands;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 17: <c>stockade init</c> writes the layout of the <c>stockade-plugin</c> / <c>stockade-plugin-python</c> templates
/// (templates/content), token for token as <c>dotnet new</c> fills them in; scripts/package-e2e.sh compares the two
/// outputs from the packed tool and the packed templates as well.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17InitTests : IDisposable
{
    private const string Modeline = "# yaml-language-server: $schema=.stockade/plugin.schema.json";
    private static readonly string Templates = Path.Combine(CliRunner.RepoRoot, "templates", "content");
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData("csharp", "stockade-plugin")]
    [InlineData("python", "stockade-plugin-python")]
    public async Task Init_WritesTheTemplateFiles_WithTheTemplateReplacements(string lang, string template)
    {
        var dir = Path.Combine(_home.Path, "work", "acme_photo tools");

        var result = await CliRunner.RunAsync("init", dir, "--lang", lang, "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        var source = Path.Combine(Templates, template);
        var expected = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(source, f))
            .Where(f => !f.StartsWith(".template.config", StringComparison.Ordinal) && !f.Split('/').Any(p => p is "bin" or "obj"))
            .Where(f => Path.GetFileName(f) is not (PluginTemplate.NativeManifest or "Program.cs")) // the --native form's own files (issue 19)
            .ToDictionary(f => f.Replace("MyPlugin", "Acmephototools", StringComparison.Ordinal), f => PluginTemplate.Conditionals(File.ReadAllText(Path.Combine(source, f)), native: false));
        var written = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).ToList();
        var schema = written.Single(f => f.EndsWith(".stockade/plugin.schema.json", StringComparison.Ordinal));
        written.Where(f => f != schema).Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, text) in expected)
        {
            File.ReadAllText(Path.Combine(dir, path)).ShouldBe(text
                .Replace("STOCKADE_VERSION", PluginTemplate.StockadeVersion, StringComparison.Ordinal)
                .Replace("MyPlugin", "Acmephototools", StringComparison.Ordinal)
                .Replace("my.plugin", "acme-photo-tools", StringComparison.Ordinal), path);
        }

        // The schema is the one source, src/Stockade.Core/Manifest/plugin.schema.json, next to plugin.yaml.
        File.ReadAllText(Path.Combine(dir, schema)).ShouldBe(File.ReadAllText(Path.Combine(CliRunner.RepoRoot, "src/Stockade.Core/Manifest/plugin.schema.json")));
        var manifest = written.Single(f => Path.GetFileName(f) == "plugin.yaml");
        Path.GetDirectoryName(schema).ShouldBe(Path.Combine(Path.GetDirectoryName(manifest)!, ".stockade"));
        File.ReadLines(Path.Combine(dir, manifest)).First().ShouldBe(Modeline);
    }

    [Theory]
    [InlineData("stockade-plugin")]
    [InlineData("stockade-plugin-python")]
    public void TemplateJson_ReplacesTheTokensInitReplaces(string template)
    {
        // If a template's symbols change, init must change with them (and this test says so).
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Templates, template, ".template.config", "template.json")));
        var symbols = json.RootElement.GetProperty("symbols");
        symbols.GetProperty("PluginType").GetProperty("replaces").GetString().ShouldBe(PluginTemplate.TypeToken);
        symbols.GetProperty("PluginId").GetProperty("replaces").GetString().ShouldBe(PluginTemplate.IdToken);
        symbols.GetProperty("id").GetProperty("type").GetString().ShouldBe("parameter");
        if (template == PluginTemplate.CSharp)
        {
            symbols.GetProperty("PluginType").GetProperty("fileRename").GetString().ShouldBe(PluginTemplate.TypeToken);
        }

        var forms = json.RootElement.GetProperty("forms");
        forms.GetProperty("stripNonAlphanumeric").GetProperty("pattern").GetString().ShouldBe("[^A-Za-z0-9]");
        forms.GetProperty("spacesToDashes").GetProperty("pattern").GetString().ShouldBe("[_ ]");
        json.RootElement.GetProperty("shortName").GetString().ShouldBe(template);
    }

    [Theory]
    [InlineData("greeter", "Greeter", "greeter")]
    [InlineData("acme_photo tools", "Acmephototools", "acme-photo-tools")]
    [InlineData("2fa", "Plugin2fa", "2fa")]
    [InlineData("___", "MyPlugin", "---")]
    public void Names_FollowTheTemplateForms(string folder, string type, string id)
    {
        InitCommand.TypeName(folder).ShouldBe(type);
        InitCommand.DefaultId(folder).ShouldBe(id);
    }

    [Fact]
    public async Task Init_Python_ValidatesAsIs()
    {
        var dir = Path.Combine(_home.Path, "weather");
        (await CliRunner.RunAsync("init", dir, "--lang", "python", "--home", _home.Path)).ExitCode.ShouldBe(0);

        var result = await CliRunner.RunAsync("validate", dir, "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Init_CSharp_PrintsWhereThePluginIsAndWhatToRunNext()
    {
        var dir = Path.Combine(_home.Path, "greeter");

        var result = await CliRunner.RunAsync("init", dir, "--id", "acme.greeter", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        File.ReadAllText(Path.Combine(dir, "Greeter", "plugin.yaml")).ShouldContain("id: acme.greeter");
        File.ReadAllText(Path.Combine(dir, "Greeter", "Greeter.csproj")).ShouldContain($"Include=\"Stockade.Plugin\" Version=\"{PluginTemplate.StockadeVersion}\"");
        File.Exists(Path.Combine(dir, "Greeter.Tests", "Greeter.Tests.csproj")).ShouldBeTrue();
        result.Stdout.ShouldContain("dotnet test");
        result.Stdout.ShouldContain(Path.Combine(dir, "Greeter"));
    }

    [Fact]
    public async Task Init_NonEmptyFolder_RefusedWithTheFix()
    {
        var dir = Path.Combine(_home.Path, "taken");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "keep.txt"), "mine");

        var result = await CliRunner.RunAsync("init", dir, "--home", _home.Path);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("not empty");
        File.ReadAllText(Path.Combine(dir, "keep.txt")).ShouldBe("mine");
    }
}
