using Stockade.Core.Manifest;
using Stockade.Hosting.Workers;
using Stockade.Linux.Cgroups;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// The kill judge on figures the kernel gave in runs measured here (kernel 6.18, cgroup v1 with memsw accounted):
/// <c>memory.failcnt</c> and <c>memory.memsw.failcnt</c> stayed 0 while a memfd hog was held at its limit and killed, so a
/// judge that waits for a hit never names the .NET worker that aborted (SIGABRT, exit 134) at its limit. What does show it:
/// the cgroup's peak at the limit, and the charge let go with the process. A liar has neither; a worker that only filled
/// the page cache keeps its charge after it dies.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16KillJudgeTests
{
    private const long Mb = 1024 * 1024;
    private static readonly ResourceLimits Limits = new() { MemoryMb = 192 };

    private static CgroupCounters Counters(long peakMb, long currentMb, long? hits = 0) =>
        new(currentMb * Mb, peakMb * Mb, 192 * Mb, OomKills: 0, MemoryLimitHits: hits, TasksCurrent: 0, TasksLimitHits: 0, CpuUsage: TimeSpan.FromSeconds(1), CpuThrottled: TimeSpan.Zero);

    [Theory]
    [InlineData(134)] // SIGABRT: the .NET runtime when it cannot get memory (the CI failure: "the worker crashed (aborted, exit 134)")
    [InlineData(135)] // SIGBUS
    [InlineData(139)] // SIGSEGV
    public void AbortAtTheLimit_WithNoHitCounted_AndNothingSaid_IsAMemoryKill(int exitCode)
    {
        var verdict = KillJudge.Judge(new WorkerExit(exitCode, null, null), Limits, witness: null, Counters(peakMb: 192, currentMb: 3), stderr: []);

        verdict.ShouldNotBeNull("a worker held at its memory cgroup's limit that then aborted was called a crash");
        verdict.Resource.ShouldBe("memory");
        verdict.Limit.ShouldBe("192 MB");
        verdict.Observed.ShouldContain("192");
        verdict.By.ShouldBe("kernel");
    }

    [Fact]
    public void Liar_AbortingWithOutOfMemoryText_WithoutTakingMemory_IsACrash()
    {
        string[] said = ["Unhandled exception. System.OutOfMemoryException: Insufficient memory to continue the execution of the program.", "Out of memory"];

        KillJudge.Judge(new WorkerExit(134, null, null), Limits, witness: null, Counters(peakMb: 40, currentMb: 2), said).ShouldBeNull();
    }

    [Fact]
    public void PageCacheAtTheLimit_ThenACrash_IsNotMemory_TheChargeOutlivedTheProcess()
    {
        // A worker that wrote files larger than its limit: the cache filled the cgroup to the limit and stays charged
        // after the process is gone. Its later crash is its own.
        KillJudge.Judge(new WorkerExit(134, null, null), Limits, witness: null, Counters(peakMb: 192, currentMb: 180), stderr: []).ShouldBeNull();
    }

    [Fact]
    public void MemfdStoppedAtTheFileCap_WithThatMuchCharged_IsAMemoryKill()
    {
        // Measured here: the C# memfd hog (memoryMb 192, maxFileMb 100) gets EFBIG from ftruncate at 96 MB, aborts with
        // "ftruncate errno 27", and its cgroup peaked at 112 MB (0.58 of the memory limit, under the 0.6 share).
        string[] said = ["Unhandled exception. System.InvalidOperationException: hog stopped by: ftruncate errno 27", " ---> System.OutOfMemoryException: ftruncate errno 27"];

        var verdict = KillJudge.Judge(new WorkerExit(134, null, null), Limits, witness: null, Counters(peakMb: 112, currentMb: 1), said);

        verdict.ShouldNotBeNull("a memfd held at RLIMIT_FSIZE with its pages charged was called a crash");
        verdict.Resource.ShouldBe("memory");
        verdict.Limit.ShouldBe("192 MB");
        verdict.By.ShouldBe("kernel");
        verdict.Evidence.ShouldContain("RLIMIT_FSIZE");
    }

    [Fact]
    public void Liar_SayingFileTooLarge_WithoutChargedMemory_IsACrash()
    {
        string[] said = ["OSError: [Errno 27] File too large", "ftruncate errno 27"];

        KillJudge.Judge(new WorkerExit(1, null, null), Limits, witness: null, Counters(peakMb: 40, currentMb: 2), said).ShouldBeNull();
    }

    [Fact]
    public void AbortBelowTheLimit_IsACrash()
    {
        KillJudge.Judge(new WorkerExit(134, null, null), Limits, witness: null, Counters(peakMb: 150, currentMb: 2), stderr: []).ShouldBeNull();
    }

    [Fact]
    public void AnErrorExitAtTheLimit_WithoutAMessage_StaysTheExitCode()
    {
        // An exit code is the plugin's own act; only a runtime's abort or a fault is taken from the figures alone.
        KillJudge.Judge(new WorkerExit(1, null, null), Limits, witness: null, Counters(peakMb: 192, currentMb: 2), stderr: []).ShouldBeNull();
    }

    [Fact]
    public void HostKill_IsNeverJudged()
    {
        KillJudge.Judge(new WorkerExit(137, "timeout", null) { Kill = WorkerKillKind.Timeout }, Limits, witness: null, Counters(peakMb: 192, currentMb: 2), stderr: []).ShouldBeNull();
    }
}
