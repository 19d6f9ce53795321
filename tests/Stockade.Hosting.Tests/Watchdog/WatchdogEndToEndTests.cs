using System.Collections.Concurrent;
using System.Diagnostics;
using Stockade.Hosting.Monitoring;
using Xunit.Abstractions;

namespace Stockade.Hosting.Tests.Watchdog;

/// <summary>The real sampler, the real clock and real processes.</summary>
[Collection(RealProcessCollection.Name)]
public class WatchdogEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Watch_SpinnerOverCpuLimit_IsThrottledThenKilled()
    {
        using var spinner = TestProcess.UrgentShell("while :; do :; done");
        var target = new RecordingTarget(_ => spinner.Kill());
        var events = new ConcurrentQueue<WatchdogEvent>();
        await using var watchdog = new Monitoring.Watchdog(new WatchdogOptions { Interval = Interval, DecayEvery = 100 }, TimeProvider.System, null);
        watchdog.EventRaised += (_, e) => events.Enqueue(e);
        var started = Stopwatch.StartNew();

        using var watch = watchdog.Watch("spinner", spinner.Pid, null, new ResourceLimits { CpuPercent = 50 }, target);

        spinner.WaitForExit(TimeSpan.FromSeconds(30)).ShouldBeTrue("the spinner should have been killed");
        output.WriteLine($"killed after {started.ElapsedMilliseconds} ms; events: {string.Join(", ", events.Select(e => $"{e.Kind} {e.Observed:0}%/{e.Violations}"))}");
        // On a shared machine the spinner can dip under 80 % and warn again; the escalation order is what matters.
        events.First().Kind.ShouldBe(WatchdogEventKind.ResourceWarning);
        events.Select(e => e.Kind).Where(k => k != WatchdogEventKind.ResourceWarning).ShouldBe([WatchdogEventKind.Throttled, WatchdogEventKind.Killed]);
        target.Throttles.ShouldHaveSingleItem().Pid.ShouldBe(spinner.Pid);
        var kill = target.Kills.ShouldHaveSingleItem();
        kill.Event.Violations.ShouldBe(10);
        kill.Event.Observed!.Value.ShouldBeGreaterThan(50);

        // Ten violations at 200 ms are 2 s when the spinner gets its core; allow for a busy machine.
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Watch_MemoryOverHardLimit_KilledWithinOneAndAHalfIntervals()
    {
        // 90 MB first (under the 100 MB limit), then 20 MB more when the test says go: the limit is
        // crossed after "go" is sent, so the time from sending it to the kill bounds the latency.
        using var hog = TestProcess.UrgentPython(
            "import sys, time\n" +
            "base = b'x' * (90 << 20)\n" +
            "print('base', flush=True)\n" +
            "sys.stdin.readline()\n" +
            "more = b'x' * (20 << 20)\n" +
            "time.sleep(60)");
        long killedAt = 0;
        var target = new RecordingTarget(_ =>
        {
            killedAt = Stopwatch.GetTimestamp();
            hog.Kill();
        });
        await using var watchdog = new Monitoring.Watchdog(new WatchdogOptions { Interval = Interval }, TimeProvider.System, null);
        hog.ReadLine(TimeSpan.FromSeconds(20));
        using var watch = watchdog.Watch("hog", hog.Pid, null, new ResourceLimits { MemoryBytes = 100 << 20 }, target);
        await Task.Delay(Interval * 2);
        target.Kills.ShouldBeEmpty();

        var goAt = Stopwatch.GetTimestamp();
        hog.Signal();
        hog.WaitForExit(TimeSpan.FromSeconds(10)).ShouldBeTrue("the hog should have been killed");

        var kill = target.Kills.ShouldHaveSingleItem();
        kill.Event.Resource.ShouldBe(WatchdogResource.Memory);
        kill.Event.Observed!.Value.ShouldBeGreaterThan(100 << 20);
        var latency = Stopwatch.GetElapsedTime(goAt, killedAt);
        output.WriteLine($"kill landed {latency.TotalMilliseconds:0} ms after the limit could first be crossed (interval {Interval.TotalMilliseconds:0} ms)");
        latency.ShouldBeLessThan((Interval * 1.5) + TimeSpan.FromMilliseconds(250));
    }
}
