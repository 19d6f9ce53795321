using System.Text.RegularExpressions;
using Stockade.Hosting.Tests.Installation;
using Stockade.Linux.Launch;

namespace Stockade.Hosting.Tests.Workers;

/// <summary>
/// Issue 15: one exit-code table (<see cref="SandboxExitCodes"/>) shared by launcher, worker and host. Each code
/// means one thing, and no source of the three uses a literal exit code of its own.
/// </summary>
[Trait("Issue", "15")]
public sealed partial class ExitCodeTableTests
{
    [Fact]
    public void Table_EveryCodeMeansOneThing()
    {
        SandboxExitCodes.All.Select(e => e.Code).ShouldBeUnique();
        SandboxExitCodes.All.Select(e => e.Meaning).ShouldBeUnique();
        SandboxExitCodes.WorkerConfinementFailed.ShouldNotBe(SandboxExitCodes.LauncherSetupFailure);
    }

    [Fact]
    public void Describe_SaysWhichSideFailed()
    {
        SandboxExitCodes.Describe(SandboxExitCodes.LauncherSetupFailure).ShouldContain("launcher");
        SandboxExitCodes.Describe(SandboxExitCodes.WorkerConfinementFailed).ShouldContain("stage 2");
        SandboxExitCodes.IsConfinementUnavailable(SandboxExitCodes.WorkerConfinementFailed).ShouldBeTrue();
        SandboxExitCodes.IsConfinementUnavailable(SandboxExitCodes.LauncherSetupFailure).ShouldBeFalse();
        SandboxExitCodes.Describe(42).ShouldBe("exited with code 42");
    }

    [Fact]
    public void Sources_UseNoLiteralExitCode()
    {
        var root = PluginFixtures.RepoRoot;
        var files = new[] { "src/Stockade.Launcher", "src/Stockade.Worker", "src/Stockade.Hosting" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .ToList();
        files.Count.ShouldBeGreaterThan(20);

        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(root, f), Line: i + 1, Text: line)))
            .Where(l => LiteralExitCode().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        offenders.ShouldBeEmpty("exit codes come from SandboxExitCodes (Stockade.Linux/Launch) only");
    }

    // Environment.Exit(70), Fail(70, ...), return 70; as an exit, ExitCode == 71, ExitCode is 71.
    [GeneratedRegex(@"Environment\.Exit\(\s*\d|\bFail\(\s*[1-9]\d+\s*,|ExitCode\s*(==|!=|is)\s*\d|\breturn\s+7\d\s*;")]
    private static partial Regex LiteralExitCode();
}
