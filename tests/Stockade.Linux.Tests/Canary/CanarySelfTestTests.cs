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

        CanaryReport report = CanarySelfTest.Run(new CanaryOptions { ForbiddenReadPath = file, ForbiddenWriteDirectory = directory, ExecPath = "/bin/true", WritableDirectory = directory });

        report.AllBlocked.ShouldBeFalse();
        report.Probes.Single(p => p.Name == "read").Outcome.ShouldBe(CanaryOutcome.Allowed);
        report.Probes.Single(p => p.Name == "write").Outcome.ShouldBe(CanaryOutcome.Allowed);
        report.Probes.Single(p => p.Name == "exec").Outcome.ShouldBe(CanaryOutcome.Allowed);
        report.Probes.Single(p => p.Name == "socket").Outcome.ShouldBe(CanaryOutcome.Allowed);
        Directory.GetFiles(directory).ShouldBe([file]);
    }

    [Fact]
    public void Run_Unconfined_FindsEveryKernelClassOpenAndLeavesNothingBehind()
    {
        // Without the filter each new probe must succeed (so under it, a refusal is the filter's), harmlessly:
        // the setuid file is removed, the segment deleted, the parent-death signal left as it was.
        string directory = Directory.CreateTempSubdirectory("stockade-canary-").FullName;

        CanaryReport report = CanarySelfTest.RunBeforeExec(new CanaryOptions { WritableDirectory = directory });

        foreach (string name in new[] { "unix-socket", "prlimit", "pdeathsig", "setuid", "sysv-ipc", "inotify" })
        {
            report.Probes.Single(p => p.Name == name).Outcome.ShouldBe(CanaryOutcome.Allowed, name);
        }

        report.AllBlocked.ShouldBeFalse();
        report.Holes().ShouldContain("sysv-ipc: Allowed");
        Directory.GetFiles(directory).ShouldBeEmpty();
        string segment = report.Probes.Single(p => p.Name == "sysv-ipc").Detail.Split(' ')[3];
        File.ReadAllLines("/proc/sysvipc/shm").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ShouldNotContain(segment);
    }

    [Fact]
    public void Run_MissingReadTarget_IsInconclusiveAndFailsClosed()
    {
        CanaryReport report = CanarySelfTest.Run(new CanaryOptions { ForbiddenReadPath = "/nonexistent/stockade" });

        report.Probes.Single(p => p.Name == "read").Outcome.ShouldBe(CanaryOutcome.Inconclusive);
        report.AllBlocked.ShouldBeFalse();
    }
}
