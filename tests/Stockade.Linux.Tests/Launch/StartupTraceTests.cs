using System.Globalization;
using Stockade.Linux.Launch;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Launch;

/// <summary>
/// The start-up trace as the benchmark reads it, from the real launcher: one whole line per mark on stderr (written
/// with one write(2) each, no longer through Console), CLOCK_MONOTONIC nanoseconds in order, nothing when it is off.
/// </summary>
public sealed class StartupTraceTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    [LandlockAsRootFact]
    public void Mark_TraceOn_PrintsOneWholeLinePerPhaseInClockOrder()
    {
        long before = System.Diagnostics.Stopwatch.GetTimestamp();

        ProcessResult result = sandbox.Launch(Cat(), environment: new Dictionary<string, string> { [StartupTrace.Variable] = "1" });

        result.ExitCode.ShouldBe(0, result.StandardError);
        result.StandardOutput.ShouldBe("hello from the allowed folder\n", "the trace goes to stderr only");
        string[] lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Select(l => l.Split(' ')[1]).ShouldBe(["launcher-start", "launcher-exec"]);
        long previous = before;
        foreach (string line in lines)
        {
            line.ShouldStartWith(StartupTrace.Prefix);
            string[] parts = line[StartupTrace.Prefix.Length..].Split(' ');
            parts.Length.ShouldBe(2, line);
            long ticks = long.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
            ticks.ShouldBeGreaterThanOrEqualTo(previous, "one clock for both processes, marks in order");
            previous = ticks;
        }
    }

    [LandlockAsRootFact]
    public void Mark_TraceOff_PrintsNothing()
    {
        ProcessResult result = sandbox.Launch(Cat(), environment: new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" });

        result.ExitCode.ShouldBe(0, result.StandardError);
        result.StandardError.ShouldNotContain(StartupTrace.Prefix);
    }

    private LaunchSpec Cat() => new()
    {
        Executable = "/bin/cat",
        Arguments = ["cat", sandbox.AllowedFile],
        WorkingDirectory = sandbox.Root,
        Landlock = new LaunchLandlock { Required = true, PathRules = sandbox.BaseRules(), PinPaths = ["/proc/self"] },
        ParentDeathSignal = 9,
        ExpectedParentPid = Environment.ProcessId,
        InheritFds = [0, 1, 2],
    };
}
