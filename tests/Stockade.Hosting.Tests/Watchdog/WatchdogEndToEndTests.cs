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

    // A spinner gets a whole core on an idle machine, where the limit would be 50 %; on the shared
    // development machine a session's cgroup often gets a small fraction of one (measured 10–45 %
    // under a load of 35 on two cores), so the limit sits below that share.
    private const double CpuLimit = 5;

    [Fact]
    public async Task Watch_SpinnerOverCpuLimit_IsThrottledThenKilled()
    {
        // Normal priority: a spinner at -20 would starve the watchdog's own timer thread in this cgroup.
        using var spinner = TestProcess.Shell("while :; do :; done");
        var target = new RecordingTarget(_ => spinner.Kill());
        var events = new ConcurrentQueue<WatchdogEvent>();
        await using var watchdog = new Monitoring.Watchdog(new WatchdogOptions { Interval = Interval, DecayEvery = 100 }, TimeProvider.System, null);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watchdog.EventRaised += (_, e) =>
        {
            events.Enqueue(e);
            if (e.Kind == WatchdogEventKind.Killed)
            {
                killed.TrySetResult();
            }
        };
        var started = Stopwatch.StartNew();

        using var watch = watchdog.Watch("spinner", spinner.Pid, null, new WatchdogLimits { CpuPercent = CpuLimit }, target);

        await killed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var elapsed = started.Elapsed;
        spinner.WaitForExit(TimeSpan.FromSeconds(10)).ShouldBeTrue("the target killed the spinner");
        output.WriteLine($"killed after {elapsed.TotalMilliseconds:0} ms; events: {string.Join(", ", events.Select(e => $"{e.Kind} {e.Observed:0}%/{e.Violations}"))}");
        // On a shared machine the spinner can dip under 80 % and warn again; the escalation order is what matters.
        events.First().Kind.ShouldBe(WatchdogEventKind.ResourceWarning);
        events.Select(e => e.Kind).Where(k => k != WatchdogEventKind.ResourceWarning).ShouldBe([WatchdogEventKind.Throttled, WatchdogEventKind.Killed]);
        target.Throttles.ShouldHaveSingleItem().Pid.ShouldBe(spinner.Pid);
        var kill = target.Kills.ShouldHaveSingleItem();
        kill.Event.Violations.ShouldBe(10);
        kill.Event.Observed!.Value.ShouldBeGreaterThan(CpuLimit);

        // Ten violations at 200 ms are 2 s when the spinner gets its share; allow for a busy machine.
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
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
        using var watch = watchdog.Watch("hog", hog.Pid, null, new WatchdogLimits { MemoryBytes = 100 << 20 }, target);
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
