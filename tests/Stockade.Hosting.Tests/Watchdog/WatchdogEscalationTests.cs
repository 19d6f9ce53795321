using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Stockade.Hosting.Monitoring;

namespace Stockade.Hosting.Tests.Watchdog;

public sealed class WatchdogEscalationTests : IAsyncLifetime
{
    private const int Pid = 4242;
    private const string Plugin = "acme.hog";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedUsageSource _source = new();
    private readonly RecordingTarget _target = new();
    private readonly List<WatchdogEvent> _events = [];
    private readonly Monitoring.Watchdog _watchdog;

    public WatchdogEscalationTests()
    {
        _watchdog = Create(new WatchdogOptions());
        _source.Set(Pid, memoryBytes: 10 << 20);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _watchdog.DisposeAsync();

    [Fact]
    public void Sample_CpuAboveWarnRatio_WarnsOncePerEpisode()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { CpuPercent = 50 }, _target);

        Tick(cpu: 45, times: 3);
        Tick(cpu: 10);
        Tick(cpu: 42, times: 2);

        var warnings = _events.Where(e => e.Kind == WatchdogEventKind.ResourceWarning).ToList();
        warnings.Count.ShouldBe(2);
        warnings[0].Resource.ShouldBe(WatchdogResource.CpuPercent);
        warnings[0].Limit.ShouldBe(50);
        warnings[0].Observed!.Value.ShouldBe(45, tolerance: 0.01);
        warnings[0].Message.ShouldContain("90 %");
        _target.Throttles.ShouldBeEmpty();
    }

    [Fact]
    public void Sample_ThirdSoftViolation_Throttles()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { CpuPercent = 50 }, _target);

        Tick(cpu: 100, times: 2);
        _target.Throttles.ShouldBeEmpty();
        Tick(cpu: 100);

        var throttle = _target.Throttles.ShouldHaveSingleItem();
        throttle.Release.ShouldBeFalse();
        throttle.Pid.ShouldBe(Pid);
        var e = _events.Single(e => e.Kind == WatchdogEventKind.Throttled);
        e.ShouldBeSameAs(throttle.Event);
        e.Violations.ShouldBe(3);
        e.Limit.ShouldBe(50);
        e.Observed!.Value.ShouldBe(100, tolerance: 0.01);
        e.Usage.ShouldNotBeNull().CpuPercent.ShouldBe(100, tolerance: 0.01);
        e.At.ShouldBe(_time.GetUtcNow());
    }

    [Fact]
    public void Sample_TenthSoftViolation_KillsAndStopsWatching()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { Threads = 64 }, _target);
        _source.Set(Pid, threads: 100);

        Tick(cpu: 0, times: 9);
        _target.Kills.ShouldBeEmpty();
        Tick(cpu: 0);

        var kill = _target.Kills.ShouldHaveSingleItem();
        kill.Event.Kind.ShouldBe(WatchdogEventKind.Killed);
        kill.Event.Resource.ShouldBe(WatchdogResource.Threads);
        kill.Event.Violations.ShouldBe(10);
        kill.Event.Observed.ShouldBe(100);
        kill.Event.Limit.ShouldBe(64);
        _watchdog.GetUsage(Plugin).ShouldBeNull();

        Tick(cpu: 0, times: 3);
        _target.Kills.Count.ShouldBe(1);
        _events.Select(e => e.Kind).ShouldBe([WatchdogEventKind.ResourceWarning, WatchdogEventKind.Throttled, WatchdogEventKind.Killed]);
    }

    [Fact]
    public void Sample_CleanSamples_DecayViolations()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { OpenFiles = 10 }, _target);

        _source.Set(Pid, openFiles: 11);
        Tick(cpu: 0, times: 2);
        _source.Set(Pid, openFiles: 3);
        Tick(cpu: 0, times: 10); // DecayEvery 5: two violations forgiven
        _source.Set(Pid, openFiles: 11);
        Tick(cpu: 0, times: 2);

        _target.Throttles.ShouldBeEmpty();
        Tick(cpu: 0);
        _events.Single(e => e.Kind == WatchdogEventKind.Throttled).Violations.ShouldBe(3);
    }

    [Fact]
    public void Sample_ThrottledThenClean_RecoversAndReleasesTheThrottle()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { CpuPercent = 50 }, _target);

        Tick(cpu: 100, times: 3);
        Tick(cpu: 5, times: 14);
        _target.Throttles.Count.ShouldBe(1);
        Tick(cpu: 5);

        var release = _target.Throttles.Last();
        release.Release.ShouldBeTrue();
        release.Event.Kind.ShouldBe(WatchdogEventKind.Recovered);
        release.Event.Resource.ShouldBe(WatchdogResource.CpuPercent);
        release.Event.Violations.ShouldBe(0);
        release.Event.Observed!.Value.ShouldBe(5, tolerance: 0.01);
    }

    [Fact]
    public void Sample_MemoryOverHardLimit_KillsAtOnce()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { MemoryBytes = 100 << 20 }, _target);
        _source.Set(Pid, memoryBytes: 150 << 20);

        Tick(cpu: 0);

        var kill = _target.Kills.ShouldHaveSingleItem();
        kill.Event.Resource.ShouldBe(WatchdogResource.Memory);
        kill.Event.Observed.ShouldBe(150 << 20);
        kill.Event.Limit.ShouldBe(100 << 20);
        kill.Event.Violations.ShouldBe(0);
        kill.Event.Message.ShouldContain("hard limit");
        _target.Throttles.ShouldBeEmpty();
    }

    [Fact]
    public void Sample_CpuTimeOverHardLimit_KillsAtOnce()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { CpuTime = TimeSpan.FromSeconds(2.5) }, _target);

        Tick(cpu: 100, times: 2);
        _target.Kills.ShouldBeEmpty();
        _events.ShouldHaveSingleItem().Kind.ShouldBe(WatchdogEventKind.ResourceWarning);
        Tick(cpu: 100);

        var kill = _target.Kills.ShouldHaveSingleItem();
        kill.Event.Resource.ShouldBe(WatchdogResource.CpuTime);
        kill.Event.Observed!.Value.ShouldBe(3, tolerance: 0.001);
    }

    [Fact]
    public void Sample_DiskOverHardLimit_KillsAtOnceAndScansEveryFifthSample()
    {
        _watchdog.Watch(Plugin, Pid, "/data/acme.hog", new WatchdogLimits { DiskBytes = 1000 }, _target);
        _source.Disk = 500;

        Tick(cpu: 0, times: 11);
        _source.DiskScans.ShouldBe(3);
        _watchdog.GetUsage(Plugin).ShouldNotBeNull().DiskBytes.ShouldBe(500);

        _source.Disk = 5000;
        Tick(cpu: 0, times: 4);
        _target.Kills.ShouldBeEmpty();
        Tick(cpu: 0);

        _target.Kills.ShouldHaveSingleItem().Event.Resource.ShouldBe(WatchdogResource.Disk);
    }

    [Fact]
    public void Sample_DiskScanReachesTheEntryCap_CountsAsOverTheLimitAndKills()
    {
        _watchdog.Watch(Plugin, Pid, "/data/acme.many", new WatchdogLimits { DiskBytes = 1000 }, _target, "/temp/acme.many/w-1-2-3");
        _source.Disk = 0;
        _source.TooMany = true;

        Tick(cpu: 0);

        var killed = _target.Kills.ShouldHaveSingleItem().Event;
        killed.Resource.ShouldBe(WatchdogResource.Disk);
        killed.Observed.ShouldBe(1001);
    }

    [Fact]
    public void Sample_DataAndTemp_AreSummedIntoOneDiskFigure()
    {
        _watchdog.Watch(Plugin, Pid, "/data/acme.both", new WatchdogLimits { DiskBytes = 1000 }, _target, "/temp/acme.both/w-1-2-3");
        _source.Disk = 600; // the scripted source answers 600 for each folder

        Tick(cpu: 0);

        var killed = _target.Kills.ShouldHaveSingleItem().Event;
        killed.Resource.ShouldBe(WatchdogResource.Disk);
        killed.Observed.ShouldBe(1200);
    }

    [Fact]
    public void Sample_FarBelowOpenFilesLimit_ReadsDescriptorsEveryFifthSampleAndKeepsTheCountBetween()
    {
        _source.Set(Pid, openFiles: 7);
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { OpenFiles = 100 }, _target);
        _source.DetailReads.ShouldBe(1, "the baseline reads everything");

        Tick(cpu: 0, times: 10);

        // Pid 4242 spreads its first detail read to the third sample, then every fifth: samples 3 and 8.
        _source.DetailReads.ShouldBe(3);
        _watchdog.GetUsage(Plugin).ShouldNotBeNull().OpenFiles.ShouldBe(7);
    }

    [Fact]
    public void Sample_AtWarnRatioOfOpenFilesLimit_ReadsDescriptorsEverySampleAndThrottles()
    {
        _source.Set(Pid, openFiles: 80);
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { OpenFiles = 100 }, _target);

        Tick(cpu: 0, times: 4);
        _source.DetailReads.ShouldBe(5);

        _source.Set(Pid, openFiles: 150);
        Tick(cpu: 0, times: 3);

        _source.DetailReads.ShouldBe(8);
        _target.Throttles.ShouldHaveSingleItem();
        _watchdog.GetUsage(Plugin).ShouldNotBeNull().OpenFiles.ShouldBe(150);
    }

    [Fact]
    public void ReportViolation_Repeated_ThrottlesThenKillsWithTheReason()
    {
        _watchdog.Watch(Plugin, Pid, null, WatchdogLimits.None, _target);

        for (var i = 0; i < 10; i++)
        {
            _watchdog.ReportViolation(Plugin, "rate limit of host.http.request exceeded 5 times").ShouldBeTrue();
        }

        _target.Throttles.ShouldHaveSingleItem().Event.Violations.ShouldBe(3);
        var kill = _target.Kills.ShouldHaveSingleItem();
        kill.Event.Resource.ShouldBe(WatchdogResource.Reported);
        kill.Event.Message.ShouldContain("rate limit of host.http.request");
        kill.Event.Limit.ShouldBeNull();
    }

    [Fact]
    public void ReportViolation_UnknownPlugin_ReturnsFalse() =>
        _watchdog.ReportViolation("nobody", "spam").ShouldBeFalse();

    [Fact]
    public void Sample_ProcessExited_DropsItQuietly()
    {
        _watchdog.Watch(Plugin, Pid, null, WatchdogLimits.Default, _target);
        Tick(cpu: 10);
        _watchdog.GetUsage(Plugin).ShouldNotBeNull();

        _source.Exit(Pid);
        _time.Advance(Interval);

        _watchdog.GetUsage(Plugin).ShouldBeNull();
        _events.ShouldBeEmpty();
        _target.Kills.ShouldBeEmpty();
    }

    [Fact]
    public void Sample_PidReused_DropsTheOldWatch()
    {
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { MemoryBytes = 1 << 20 }, _target);

        _source.Set(Pid, memoryBytes: 100 << 20, startTime: 99);
        Tick(cpu: 0);

        _watchdog.GetUsage(Plugin).ShouldBeNull();
        _target.Kills.ShouldBeEmpty();
    }

    [Fact]
    public void Watch_Disposed_StopsSampling()
    {
        var watch = _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { MemoryBytes = 1 << 20 }, _target);

        watch.Dispose();
        _source.Set(Pid, memoryBytes: 100 << 20);
        Tick(cpu: 0);

        _target.Kills.ShouldBeEmpty();
        _watchdog.GetUsage(Plugin).ShouldBeNull();
    }

    [Fact]
    public void Watch_SamePluginTwice_ThrowsWithWhatToDo()
    {
        _watchdog.Watch(Plugin, Pid, null, WatchdogLimits.None, _target);
        _source.Set(Pid + 1);

        Should.Throw<InvalidOperationException>(() => _watchdog.Watch(Plugin, Pid + 1, null, WatchdogLimits.None, _target))
            .Message.ShouldContain("dispose that watch");
    }

    [Fact]
    public void Watch_NonPositiveLimit_ThrowsNamingTheLimit() =>
        Should.Throw<ArgumentException>(() => _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { Threads = 0 }, _target))
            .Message.ShouldContain("Threads must be positive");

    [Fact]
    public void Watch_ExitedProcess_WatchesNothing()
    {
        using var watch = _watchdog.Watch(Plugin, Pid + 7, null, WatchdogLimits.None, _target);

        _watchdog.GetUsage(Plugin).ShouldBeNull();
        _watchdog.ReportViolation(Plugin, "x").ShouldBeFalse();
    }

    [Fact]
    public void Sample_FirstTick_ComputesCpuFromTheWatchBaseline()
    {
        _watchdog.Watch(Plugin, Pid, null, WatchdogLimits.None, _target);

        Tick(cpu: 37);

        var usage = _watchdog.GetUsage(Plugin).ShouldNotBeNull();
        usage.CpuPercent.ShouldBe(37, tolerance: 0.01);
        usage.SampledAt.ShouldBe(_time.GetUtcNow());
    }

    [Fact]
    public void Sample_WindowShorterThanHalfAnInterval_WaitsForAFullWindow()
    {
        // Watched 100 ms before the timer fires: 30 ms of CPU in that window would read as 30 %, but
        // with 10 ms clock ticks such a short window is noise.
        _time.Advance(Interval * 0.9);
        _watchdog.Watch(Plugin, Pid, null, WatchdogLimits.None, _target);
        _source.SpendCpu(Pid, 30, Interval * 0.1);
        _time.Advance(Interval * 0.1);
        _watchdog.GetUsage(Plugin).ShouldNotBeNull().CpuPercent.ShouldBe(0);

        // The window stayed open: the next figure covers the whole 1.1 s since the watch began.
        Tick(cpu: 60);
        _watchdog.GetUsage(Plugin).ShouldNotBeNull().CpuPercent.ShouldBe((0.03 + 0.6) / 1.1 * 100, tolerance: 0.01);
    }

    [Fact]
    public void EventRaised_HandlerThrows_WatchdogKeepsEscalating()
    {
        _watchdog.EventRaised += (_, _) => throw new InvalidOperationException("handler bug");
        _watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { CpuPercent = 50 }, _target);

        Tick(cpu: 100, times: 10);

        _target.Kills.ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData(nameof(WatchdogOptions.Interval))]
    [InlineData(nameof(WatchdogOptions.WarnRatio))]
    [InlineData(nameof(WatchdogOptions.KillAfter))]
    [InlineData(nameof(WatchdogOptions.DecayEvery))]
    public void Constructor_OptionOutOfRange_ThrowsNamingIt(string option)
    {
        var options = option switch
        {
            nameof(WatchdogOptions.Interval) => new WatchdogOptions { Interval = TimeSpan.FromMilliseconds(10) },
            nameof(WatchdogOptions.WarnRatio) => new WatchdogOptions { WarnRatio = 1 },
            nameof(WatchdogOptions.KillAfter) => new WatchdogOptions { ThrottleAfter = 5, KillAfter = 4 },
            _ => new WatchdogOptions { DecayEvery = 0 },
        };

        Should.Throw<OptionsValidationException>(() => Create(options)).Message.ShouldContain(option);
    }

    [Fact]
    public async Task Metrics_ViolationsKillsAndGauges_AreRecordedWithPluginAndResourceTags()
    {
        using var factory = new TestMeterFactory();
        await using var watchdog = Create(new WatchdogOptions(), factory);
        var meter = factory.Meters.ShouldHaveSingleItem();
        meter.Name.ShouldBe(Monitoring.Watchdog.MeterName);
        var recorded = new List<(string Instrument, double Value, string? Plugin, string? Resource)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => recorded.Add((i.Name, v, Tag(tags, "plugin"), Tag(tags, "resource"))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => recorded.Add((i.Name, v, Tag(tags, "plugin"), Tag(tags, "resource"))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => recorded.Add((i.Name, v, Tag(tags, "plugin"), Tag(tags, "resource"))));
        listener.Start();

        watchdog.Watch(Plugin, Pid, null, new WatchdogLimits { CpuPercent = 50, MemoryBytes = 1L << 30 }, _target);
        Tick(cpu: 80, times: 1);
        listener.RecordObservableInstruments();
        Tick(cpu: 80, times: 9);

        recorded.ShouldContain(("stockade.worker.cpu", 80, Plugin, null));
        recorded.ShouldContain(("stockade.worker.memory", 10 << 20, Plugin, null));
        recorded.ShouldContain(("stockade.worker.threads", 1, Plugin, null));
        recorded.Count(r => r.Instrument == "stockade.watchdog.violations" && r.Resource == "cpu" && r.Plugin == Plugin).ShouldBe(10);
        recorded.ShouldContain(("stockade.watchdog.throttles", 1, Plugin, "cpu"));
        recorded.ShouldContain(("stockade.watchdog.kills", 1, Plugin, "cpu"));

        static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == key)
                {
                    return tag.Value as string;
                }
            }

            return null;
        }
    }

    [Fact]
    public void WatchdogOptions_Defaults_FollowTheDesignAndValidate()
    {
        var options = new WatchdogOptions();

        options.Interval.ShouldBe(TimeSpan.FromSeconds(1));
        options.WarnRatio.ShouldBe(0.8);
        options.ThrottleAfter.ShouldBe(3);
        options.KillAfter.ShouldBe(10);
        new WatchdogOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    private Monitoring.Watchdog Create(WatchdogOptions options, IMeterFactory? meters = null)
    {
        var watchdog = new Monitoring.Watchdog(options, _time, null, meters, _source);
        watchdog.EventRaised += (_, e) => _events.Add(e);
        return watchdog;
    }

    /// <summary>Lets the process use <paramref name="cpu"/> % of a core for one interval, then fires the timer.</summary>
    private void Tick(double cpu, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _source.SpendCpu(Pid, cpu, Interval);
            _time.Advance(Interval);
        }
    }
}
