using System.Diagnostics;
using System.Xml.Linq;

namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// Issue 17 item 3, how the schema reaches an editor: Stockade.Plugin packs Core's one schema file as
/// schema/plugin.schema.json, and the package's build/Stockade.Plugin.targets copies it beside a plugin's plugin.yaml
/// as .stockade/plugin.schema.json (the path every generated manifest's modeline names). The targets run here with real
/// MSBuild over the package's layout.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17SchemaPackagingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stockade-schema-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void PluginPackage_PacksCoresSchemaFile_AndItsBuildTargets()
    {
        var project = XDocument.Load(Path.Combine(RepoRoot, "src", "Stockade.Plugin", "Stockade.Plugin.csproj"));
        var packed = project.Descendants("None").Where(n => (string?)n.Attribute("Pack") == "true")
            .ToDictionary(n => (string)n.Attribute("PackagePath")!, n => (string)(n.Attribute("Include") ?? n.Attribute("Update"))!);

        Path.GetFullPath(Path.Combine(RepoRoot, "src", "Stockade.Plugin", packed["schema/plugin.schema.json"]))
            .ShouldBe(Path.Combine(RepoRoot, "src", "Stockade.Core", "Manifest", "plugin.schema.json"));
        packed["build/Stockade.Plugin.targets"].ShouldBe("build/Stockade.Plugin.targets");
    }

    [Fact]
    public void BuildTargets_CopyTheSchemaBesidePluginYaml_OnlyWhereThereIsOne_AndNotWhenTurnedOff()
    {
        var withManifest = Project("plugin", manifest: true);
        var without = Project("library", manifest: false);
        var optedOut = Project("opted-out", manifest: true, "<PropertyGroup><StockadeCopyManifestSchema>false</StockadeCopyManifestSchema></PropertyGroup>");

        foreach (var project in new[] { withManifest, without, optedOut })
        {
            Build(project);
        }

        File.ReadAllText(Path.Combine(withManifest, ".stockade", "plugin.schema.json")).ShouldBe(File.ReadAllText(SchemaSource));
        Directory.Exists(Path.Combine(without, ".stockade")).ShouldBeFalse();
        Directory.Exists(Path.Combine(optedOut, ".stockade")).ShouldBeFalse();
    }

    private static string SchemaSource => Path.Combine(RepoRoot, "src", "Stockade.Core", "Manifest", "plugin.schema.json");

    private static string RepoRoot { get; } = Path.GetFullPath(Path.Combine(KitWorld.PluginsDirectory, "..", "..", ".."));

    // The package as NuGet lays it out: build/Stockade.Plugin.targets and schema/plugin.schema.json side by side.
    private string Package()
    {
        var package = Path.Combine(_root, "package");
        if (!Directory.Exists(package))
        {
            Directory.CreateDirectory(Path.Combine(package, "build"));
            Directory.CreateDirectory(Path.Combine(package, "schema"));
            File.Copy(Path.Combine(RepoRoot, "src", "Stockade.Plugin", "build", "Stockade.Plugin.targets"), Path.Combine(package, "build", "Stockade.Plugin.targets"));
            File.Copy(SchemaSource, Path.Combine(package, "schema", "plugin.schema.json"));
        }

        return package;
    }

    private string Project(string name, bool manifest, string extra = "")
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "p.proj"), $"""
            <Project>
              {extra}
              <Import Project="{Package()}/build/Stockade.Plugin.targets" />
              <Target Name="BeforeBuild" />
              <Target Name="Build" DependsOnTargets="BeforeBuild" />
            </Project>
            """);
        if (manifest)
        {
            File.WriteAllText(Path.Combine(folder, "plugin.yaml"), "# yaml-language-server: $schema=.stockade/plugin.schema.json\nid: a.b\n");
        }

        return folder;
    }

    private static void Build(string folder)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", ["msbuild", Path.Combine(folder, "p.proj"), "-t:Build", "-nologo", "-v:q", "-nodeReuse:false"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(3)).ShouldBeTrue("msbuild did not finish within 3 minutes");
        process.ExitCode.ShouldBe(0, $"{output.Result}\n{error}");
    }
}
