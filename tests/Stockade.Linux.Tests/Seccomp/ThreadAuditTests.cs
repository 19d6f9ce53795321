using System.Text;
using Stockade.Linux.Seccomp;

namespace Stockade.Linux.Tests.Seccomp;

/// <summary>
/// The thread audit in this unconfined test process (every thread in mode 0) and its status parser; the confined
/// case (every thread in mode 2) runs in a real worker: see SeccompProbeTests.
/// </summary>
public sealed class ThreadAuditTests
{
    [Fact]
    public void AllThreadsInSeccompFilterMode_UnconfinedProcess_ReportsEveryThreadWithTheKernelsMode()
    {
        using var parked = new ManualResetEventSlim();
        var extra = new Thread(() => parked.Wait()) { IsBackground = true, Name = "audit-extra" };
        extra.Start();
        try
        {
            ThreadAuditResult audit = ThreadAudit.AllThreadsInSeccompFilterMode();

            audit.Error.ShouldBeNull();
            audit.AllInFilterMode.ShouldBeFalse("the test process has no seccomp filter");
            audit.Threads.ShouldContain(t => t.ThreadId == Environment.ProcessId, "the main thread's id is the pid");
            audit.Threads.ShouldContain(t => t.Name == "audit-extra", "a thread started just before is listed with its name");
            foreach (ThreadSeccompState thread in audit.Threads)
            {
                string status = Path.Combine("/proc/self/task", thread.ThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture), "status");
                if (File.Exists(status))
                {
                    thread.SeccompMode.ShouldBe(KernelMode(status), $"thread {thread.ThreadId} ({thread.Name})");
                }
            }

            audit.Unconfined.Count().ShouldBe(audit.Threads.Count(t => t.SeccompMode != 2));
        }
        finally
        {
            parked.Set();
            extra.Join();
        }
    }

    [Fact]
    public void ParseStatus_StatusOfThisProcess_ReadsNameAndMode()
    {
        string text = File.ReadAllText("/proc/self/status");

        ThreadSeccompState state = ThreadAudit.ParseStatus(7, Encoding.UTF8.GetBytes(text));

        state.ThreadId.ShouldBe(7);
        state.Name.ShouldBe(text.Split('\n')[0]["Name:".Length..].Trim());
        state.SeccompMode.ShouldBe(KernelMode("/proc/self/status"));
    }

    [Theory]
    [InlineData("Name:\tw\nSeccomp:\t2\nSeccomp_filters:\t1\n", 2)]
    [InlineData("Name:\tw\nSeccomp_filters:\t2\n", -1)]
    [InlineData("Name:\tw\nSeccomp:\t2x\n", -1)]
    [InlineData("Name:\tw\nSeccomp:\t\n", -1)]
    [InlineData("Name:\tw\nSeccomp:\t-2\n", -1)]
    [InlineData("Name:\tw\nSeccomp:\t2", 2)]
    [InlineData("Name:\tw\nSeccomp:\t 2 \n", 2)]
    [InlineData("Name:\tw\nSeccomp:\t+2\n", -1)]
    [InlineData("Name:\tw\nSeccomp:\t2 2\n", -1)]
    [InlineData("Name:\tw\nState:\tS (sleeping)\n", -1)]
    [InlineData("", -1)]
    public void ParseStatus_SeccompLine_IsTheModeOnlyWhenWholeAndDecimal(string status, int mode)
    {
        ThreadAudit.ParseStatus(1, Encoding.ASCII.GetBytes(status)).SeccompMode.ShouldBe(mode);
    }

    [Theory]
    [InlineData("Name:\t.NET SigHandler\nSeccomp:\t2\n", ".NET SigHandler")]
    [InlineData("Name:\tr\u00e9seau\nSeccomp:\t2\n", "r\u00e9seau")]
    [InlineData("Seccomp:\t2\n", "?")]
    public void ParseStatus_Name_IsDecodedAsUtf8(string status, string name)
    {
        ThreadAudit.ParseStatus(1, Encoding.UTF8.GetBytes(status)).Name.ShouldBe(name);
    }

    [Fact]
    public void ParseStatus_StatusCutBeforeItsSeccompLine_CountsAsUnconfined()
    {
        byte[] status = File.ReadAllBytes("/proc/self/status");
        int seccomp = Encoding.ASCII.GetString(status).IndexOf("Seccomp:", StringComparison.Ordinal);

        ThreadAudit.ParseStatus(1, status.AsSpan(0, seccomp)).SeccompMode.ShouldBe(-1);
    }

    private static int KernelMode(string statusPath) =>
        int.Parse(File.ReadLines(statusPath).Single(l => l.StartsWith("Seccomp:", StringComparison.Ordinal))["Seccomp:".Length..].Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
}
