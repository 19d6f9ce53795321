using Stockade.Linux.Canary;

namespace Stockade.Linux.Tests.Canary;

/// <summary>
/// The canary in the unconfined test process must see everything as allowed (the confined case runs in a
/// child: see SeccompProbeTests). The exec probe must report "allowed" without replacing this process.
/// </summary>
public sealed class CanarySelfTestTests
{
    [Fact]
    public void Run_Unconfined_ReportsReadWriteAndExecAllowed()
    {
        string directory = Directory.CreateTempSubdirectory("stockade-canary-").FullName;
        string file = Path.Combine(directory, "readable");
        File.WriteAllText(file, "x");

        CanaryReport report = CanarySelfTest.Run(new CanaryOptions { ForbiddenReadPath = file, ForbiddenWriteDirectory = directory, ExecPath = "/bin/true" });

        report.AllBlocked.ShouldBeFalse();
        report.Probes.Single(p => p.Name == "read").Outcome.ShouldBe(CanaryOutcome.Allowed);
        report.Probes.Single(p => p.Name == "write").Outcome.ShouldBe(CanaryOutcome.Allowed);
        report.Probes.Single(p => p.Name == "exec").Outcome.ShouldBe(CanaryOutcome.Allowed);
        report.Probes.Single(p => p.Name == "socket").Outcome.ShouldBe(CanaryOutcome.Allowed);
        Directory.GetFiles(directory).ShouldBe([file]);
    }

    [Fact]
    public void Run_MissingReadTarget_IsInconclusiveAndFailsClosed()
    {
        CanaryReport report = CanarySelfTest.Run(new CanaryOptions { ForbiddenReadPath = "/nonexistent/stockade" });

        report.Probes.Single(p => p.Name == "read").Outcome.ShouldBe(CanaryOutcome.Inconclusive);
        report.AllBlocked.ShouldBeFalse();
    }
}
