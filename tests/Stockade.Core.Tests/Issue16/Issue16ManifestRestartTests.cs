using Stockade.Core.Manifest;

namespace Stockade.Core.Tests.Issue16;

/// <summary>Issue 16 item 5: the manifest's <c>restart:</c> mapping, read with errors that name the line that is wrong.</summary>
[Trait("Issue", "16")]
public sealed class Issue16ManifestRestartTests
{
    private const string Base = "id: com.example.sample\nname: Sample\nversion: 1.0.0\nruntime: dotnet\nentry: Sample.dll\n";

    private static ManifestReadResult Read(string yaml) => ManifestReader.Parse(Base + yaml, "plugin.yaml", ManifestFormat.Yaml);

    [Fact]
    public void Restart_IsRead()
    {
        var manifest = Read("restart:\n  maxRestarts: 2\n  window: 10m\n  limits: stricter\n  factor: 0.5\n").Manifest.ShouldNotBeNull();

        manifest.Restart.ShouldBe(new RestartRequest { MaxRestarts = 2, Window = TimeSpan.FromMinutes(10), Limits = RestartLimits.Stricter, Factor = 0.5 });
    }

    [Fact]
    public void Restart_Absent_IsNull_AndJsonWorksToo()
    {
        Read(string.Empty).Manifest.ShouldNotBeNull().Restart.ShouldBeNull();
        var json = """{ "id": "com.example.j", "name": "J", "version": "1.0.0", "runtime": "dotnet", "entry": "J.dll", "restart": { "limits": "stricter", "factor": 0.75 } }""";
        ManifestReader.Parse(json, "plugin.json", ManifestFormat.Json).Manifest.ShouldNotBeNull().Restart
            .ShouldBe(new RestartRequest { Limits = RestartLimits.Stricter, Factor = 0.75 });
    }

    [Theory]
    [InlineData("restart:\n  maxRestarts: 500\n", "restart.maxRestarts", 7)]
    [InlineData("restart:\n  limits: harder\n", "restart.limits", 7)]
    [InlineData("restart:\n  limits: stricter\n  factor: 1.5\n", "restart.factor", 8)]
    [InlineData("restart:\n  factor: 0.5\n", "restart.factor", 7)]
    [InlineData("restart:\n  window: 0.2s\n", "restart.window", 7)]
    public void Restart_BadValue_IsAnErrorOnItsLine(string yaml, string path, int line)
    {
        var result = Read(yaml);

        result.IsValid.ShouldBeFalse();
        var error = result.Diagnostics.Single(d => d.Severity == DiagnosticSeverity.Error);
        error.Code.ShouldBe(ManifestDiagnosticCodes.BadRestart);
        error.Path.ShouldBe(path);
        error.Line.ShouldBe(line);
        error.ToString().ShouldStartWith($"plugin.yaml:{line}:");
    }

    [Fact]
    public void Restart_UnknownKey_IsNamedWithASuggestion()
    {
        var error = Read("restart:\n  maxRestart: 2\n").Diagnostics.Single();

        error.Code.ShouldBe(ManifestDiagnosticCodes.UnknownKey);
        error.Message.ShouldContain("maxRestarts");
        error.Line.ShouldBe(7);
    }

    [Fact]
    public void GivenKeys_AreRecorded_SoTheRestTakeTheHostDefaults()
    {
        var manifest = Read("resources:\n  memoryMb: 256\n  threads: 32\ntimeouts:\n  call: 10s\n").Manifest.ShouldNotBeNull();

        manifest.ResourceKeys.ShouldBe(["memoryMb", "threads"]);
        manifest.TimeoutKeys.ShouldBe(["call"]);
    }
}
