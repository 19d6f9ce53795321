using System.Text.Json;

namespace Stockade.Cli.Tests;

public sealed class CommandTests : IClassFixture<TempHome>
{
    private readonly string _home;

    public CommandTests(TempHome home) => _home = home.Path;

    [Fact]
    public async Task Validate_BrokenManifest_ExitsTwoAndNamesFileLineAndFix()
    {
        var result = await CliRunner.RunAsync("validate", CliRunner.Sample("manifests-broken/unknown-key"), "--home", _home);

        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldContain("plugin.yaml:8:3: error STKM002");
        result.Stderr.ShouldContain("Did you mean 'memoryMb'?");
        result.Stderr.ShouldContain("fix:");
        result.Stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Validate_GoodSampleAsJson_ExitsZeroWithOneDocument()
    {
        var result = await CliRunner.RunAsync("validate", CliRunner.Sample("plugins/hello-python"), "--json", "--home", _home);

        result.ExitCode.ShouldBe(0);
        using var doc = JsonDocument.Parse(result.Stdout);
        doc.RootElement.GetProperty("pluginId").GetString().ShouldBe("samples.hello-python");
        doc.RootElement.GetProperty("isValid").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Validate_MissingFolder_ExitsOneWithNextStep()
    {
        var result = await CliRunner.RunAsync("validate", "/nonexistent/plugin", "--home", _home);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("no folder at /nonexistent/plugin");
        result.Stderr.ShouldContain("next:");
    }

    [Fact]
    public async Task PolicyShow_Json_DescribesTheLevel()
    {
        var result = await CliRunner.RunAsync("policy", "show", "strict", "--json");

        result.ExitCode.ShouldBe(0);
        using var doc = JsonDocument.Parse(result.Stdout);
        doc.RootElement.GetProperty("level").GetString().ShouldBe("strict");
        doc.RootElement.GetProperty("namespaces").GetBoolean().ShouldBeTrue();
        doc.RootElement.GetProperty("directNetwork").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task PolicyShow_UnknownLevel_ExitsOne()
    {
        var result = await CliRunner.RunAsync("policy", "show", "paranoid");

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("unknown level 'paranoid'");
    }

    [Fact]
    public async Task Doctor_Json_ReportsThisMachine()
    {
        var result = await CliRunner.RunAsync("doctor", "--json");

        result.ExitCode.ShouldBe(0);
        using var doc = JsonDocument.Parse(result.Stdout);
        var abi = doc.RootElement.GetProperty("landlockAbi").GetInt32();
        if (abi == 0)
        {
            doc.RootElement.GetProperty("highestLevel").GetString().ShouldBe("limited");
            return;
        }

        abi.ShouldBeGreaterThanOrEqualTo(1);
        doc.RootElement.GetProperty("highestLevel").GetString().ShouldBeOneOf("sandboxed", "strict");
        if (File.Exists("/proc/sys/kernel/osrelease") && File.ReadAllText("/proc/sys/kernel/osrelease").StartsWith("6.18", StringComparison.Ordinal))
        {
            // The machine this project is developed on: Landlock ABI 7 and user namespaces.
            abi.ShouldBe(7);
            doc.RootElement.GetProperty("highestLevel").GetString().ShouldBe("strict");
        }
    }

    [Fact]
    public async Task UnknownCommand_ExitsOneWithUsageHint()
    {
        var result = await CliRunner.RunAsync("frobnicate");

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("stockade --help");
    }

    [Fact]
    public async Task Run_BadInputJson_ExitsOneWithoutStartingAnything()
    {
        var result = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-csharp"), "greet", "--input", "{not json", "--home", _home);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("--input is not valid JSON");
    }
}
