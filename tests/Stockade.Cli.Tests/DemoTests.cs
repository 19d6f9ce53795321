namespace Stockade.Cli.Tests;

public sealed class DemoTests
{
    /// <summary>The README's first command: the tour must run to the end, and each scene must show what it claims.</summary>
    [Fact]
    public async Task Demo_OnAThrowawayHome_RunsEverySceneAndCleansUp()
    {
        var result = await CliRunner.RunAsync("demo");

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.ShouldContain("tour complete");
        result.Stdout.ShouldContain("Hello, Ada!");
        result.Stderr.ShouldContain("did not finish 'hang' within 3 s");
        result.Stdout.ShouldContain("the loopback listener saw no connection");
        result.Stdout.ShouldNotContain("SUCCEEDED");
        result.Stdout.ShouldNotContain("escaped on");
        result.Stdout.ShouldContain("exit code 8 (integrity failure)");
        result.Stderr.ShouldContain("stockade grant samples.notes file:read=");
        result.Stdout.ShouldContain("audit log intact");
        Directory.GetDirectories(Path.GetTempPath(), $"stockade-demo-{Environment.ProcessId}").ShouldBeEmpty();
    }
}
