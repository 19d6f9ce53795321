using System.Text.Json;
using Stockade.Cli.Commands;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 19: <c>stockade init --native</c> (and <c>dotnet new stockade-plugin --native</c>, the same template files) writes
/// a C# plugin compiled ahead of time: <c>runtime: native</c>, a NativeAOT project, a one-line <c>Program.cs</c> that runs
/// the SDK's protocol server; the JIT form stays as it was.
/// </summary>
[Trait("Issue", "19")]
public sealed class Issue19InitNativeTests : IDisposable
{
    private static readonly string Template = Path.Combine(CliRunner.RepoRoot, "templates", "content", "stockade-plugin");
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task InitNative_WritesANativeAotPlugin()
    {
        var dir = Path.Combine(_home.Path, "greeter");

        var result = await CliRunner.RunAsync("init", dir, "--id", "acme.greeter", "--native", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.ShouldContain("NativeAOT");
        var manifest = File.ReadAllText(Path.Combine(dir, "Greeter", "plugin.yaml"));
        manifest.ShouldContain("runtime: native");
        manifest.ShouldContain("entry: bin/Greeter");
        manifest.ShouldContain("id: acme.greeter");
        File.Exists(Path.Combine(dir, "Greeter", PluginTemplate.NativeManifest)).ShouldBeFalse();
        File.ReadAllText(Path.Combine(dir, "Greeter", "Program.cs")).ShouldContain("PluginServer.RunAsync(typeof(Program).Assembly, args)");
        var project = File.ReadAllText(Path.Combine(dir, "Greeter", "Greeter.csproj"));
        project.ShouldContain("<PublishAot>true</PublishAot>");
        project.ShouldContain($"<PackageReference Include=\"Stockade.Plugin\" Version=\"{PluginTemplate.StockadeVersion}\" />");
        project.ShouldNotContain("ExcludeAssets");
        project.ShouldNotContain("<!--#");
        File.Exists(Path.Combine(dir, "Greeter.Tests", "Greeter.Tests.csproj")).ShouldBeTrue();
    }

    [Fact]
    public async Task InitWithoutNative_KeepsTheJitForm()
    {
        var dir = Path.Combine(_home.Path, "greeter");

        (await CliRunner.RunAsync("init", dir, "--home", _home.Path)).ExitCode.ShouldBe(0);

        File.ReadAllText(Path.Combine(dir, "Greeter", "plugin.yaml")).ShouldContain("runtime: dotnet");
        File.Exists(Path.Combine(dir, "Greeter", "Program.cs")).ShouldBeFalse();
        var project = File.ReadAllText(Path.Combine(dir, "Greeter", "Greeter.csproj"));
        project.ShouldNotContain("PublishAot");
        project.ShouldContain("ExcludeAssets=\"runtime\"");
        project.ShouldNotContain("<!--#");
    }

    [Fact]
    public async Task InitNative_ForAScript_IsRefusedWithTheFix()
    {
        var dir = Path.Combine(_home.Path, "script");

        var result = await CliRunner.RunAsync("init", dir, "--lang", "python", "--native", "--home", _home.Path);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("--native compiles a C# plugin");
        result.Stderr.ShouldContain("--lang csharp --native");
        Directory.Exists(dir).ShouldBeFalse();
    }

    [Fact]
    public void TemplateJson_HasTheNativeSymbol_AndSwapsTheFilesInitSwaps()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Template, ".template.config", "template.json")));
        var root = json.RootElement;

        root.GetProperty("symbols").GetProperty("native").GetProperty("datatype").GetString().ShouldBe("bool");
        var modifiers = root.GetProperty("sources")[0].GetProperty("modifiers").EnumerateArray().ToList();
        var native = modifiers.Single(m => m.GetProperty("condition").GetString() == "(native)");
        native.GetProperty("rename").GetProperty("MyPlugin/" + PluginTemplate.NativeManifest).GetString().ShouldBe("MyPlugin/plugin.yaml");
        native.GetProperty("exclude").EnumerateArray().Select(e => e.GetString()).ShouldBe(["MyPlugin/plugin.yaml"]);
        var jit = modifiers.Single(m => m.GetProperty("condition").GetString() == "(!native)");
        jit.GetProperty("exclude").EnumerateArray().Select(e => e.GetString()).ShouldBe(["MyPlugin/" + PluginTemplate.NativeManifest, "MyPlugin/Program.cs"], ignoreOrder: true);
        File.Exists(Path.Combine(Template, "MyPlugin", PluginTemplate.NativeManifest)).ShouldBeTrue();
        File.Exists(Path.Combine(Template, "MyPlugin", "Program.cs")).ShouldBeTrue();
    }
}
