using System.Collections.Concurrent;
using System.Text.Json;
using Stockade.Hosting.Monitoring;
using Stockade.Hosting.Tests.Host;
using Stockade.Linux.Cgroups;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// The watchdog's CPU figure under a real CFS quota (this machine's cgroup v1, as root, workers as root's dedicated uid
/// and as 65534). v1's <c>cpu.stat throttled_time</c> (and v2's <c>throttled_usec</c>) is summed over the CPUs whose
/// run queues held a task of the group: a .NET spinner under a 5 % quota read as ~190 % "demand" when it was added to
/// its use. The figure the watchdog reports and acts on is the cgroup's measured use; "wants more than its quota" is
/// judged from the share of quota periods in which the kernel held it back (<c>nr_throttled / nr_periods</c>).
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16CpuFigureTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private readonly HostWorld _world = new();
    private readonly ConcurrentQueue<WatchdogEvent> _events = new();
    private PluginHost _host = null!;
    private RecordingCgroupBackend _cgroups = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _world.Dispose();
    }

    /// <summary>
    /// A spinner under <c>cpuPercent: 5</c> is warned, throttled (quota halved) and killed naming CPU, and every figure
    /// the watchdog gave on the way is near what the cgroup measured (never the ~190 % the summed throttled time made
    /// of it, never above 100 % × cores).
    /// </summary>
    [CgroupHostTheory]
    [InlineData(null)]
    [InlineData(65534)]
    public async Task SpinnerAtCpuPercent5_IsReportedAtItsMeasuredUse_ThenThrottledAndKilled(int? workerUid)
    {
        Start(workerUid);
        await _host.LoadAsync(_world.Misbehave("t.spin5", resources: "{ memoryMb: 256, cpuPercent: 5 }", timeouts: "{ init: 60s, call: 60s, hook: 2s }"), new PluginLoadOptions { Level = "sandboxed" });
        var cgroup = _cgroups.Last("t.spin5");
        var before = cgroup.ReadCounters().CpuUsage ?? TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Record.ExceptionAsync(() => _host.InvokeAsync("t.spin5", "spin", (JsonElement?)null));

        var wall = clock.Elapsed;
        var counters = await cgroup.Final.WaitAsync(TimeSpan.FromSeconds(30));
        var measured = ((counters.CpuUsage ?? TimeSpan.Zero) - before).TotalSeconds / wall.TotalSeconds * 100;
        var cpu = _events.Where(e => e.PluginId == "t.spin5" && e.Resource == WatchdogResource.CpuPercent).ToList();
        var story = $"measured by the cgroup: {measured:0.##} % over {wall.TotalSeconds:0.#} s; events:\n{string.Join("\n", cpu.Select(e => $"{e.Kind} observed {e.Observed:0.##} ({e.Message})"))}";

        error.ShouldBeOfType<PluginKilledException>(story).Resource.ShouldBe("cpu", story);
        cpu.Select(e => e.Kind).Distinct().ShouldBe([WatchdogEventKind.ResourceWarning, WatchdogEventKind.Throttled, WatchdogEventKind.Killed], story);
        cpu.Count(e => e.Kind == WatchdogEventKind.Throttled).ShouldBe(1, story);
        cpu[^1].Kind.ShouldBe(WatchdogEventKind.Killed, story);
        cgroup.CpuPercents.ShouldContain(2, "the throttle halves the quota (5 → 2)");
        measured.ShouldBeLessThanOrEqualTo(5 * 1.5, "the quota held the spinner: " + story);

        // Every figure is the use: a 200 ms window straddles at most three 100 ms periods, so even a window holding
        // three quotas' worth reads 7.5 %; generous bands, the machine is busy.
        foreach (var e in cpu)
        {
            e.Observed.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(100.0 * Environment.ProcessorCount, story);
            e.Observed!.Value.ShouldBeLessThanOrEqualTo(5 * 2.0, $"{e.Kind} reported more than twice the quota: {story}");
            e.Usage.ShouldNotBeNull().CpuPercent.ShouldBe(e.Observed.Value, story);
        }

        cpu[0].Observed!.Value.ShouldBeGreaterThanOrEqualTo(5 * 0.5, "the warning is about a plugin at its quota: " + story);
        // The kill's figure is one watchdog window at the halved quota (2.5 %): a window the busy machine shortened can
        // hold three periods' quotas, so the band is three quotas, as for the full quota above.
        cpu[^1].Observed!.Value.ShouldBeLessThanOrEqualTo(2.5 * 3, "killed while held at the halved quota: " + story);
        cpu[^1].Usage!.CpuThrottledPeriodsPercent.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(50, story);
        cpu[^1].Message.ShouldContain("held at its quota", Case.Sensitive, story);
    }

    /// <summary>A plugin that uses about 3 % of a core under <c>cpuPercent: 5</c> is inside its share: never warned, throttled or killed.</summary>
    [CgroupHostTheory]
    [InlineData(null)]
    [InlineData(65534)]
    public async Task PluginUsing3PercentOf5_IsNeverWarned(int? workerUid)
    {
        // The watchdog's default interval (1 s): a 200 ms window read late on a busy machine took 4.2 % from a plugin at
        // 3.3 %, and one such window is a warning. The question here is whether a plugin under its quota is warned in use.
        Start(workerUid, TimeSpan.FromSeconds(1));
        await _host.LoadAsync(DutyPlugin("t.duty3"), new PluginLoadOptions { Level = "sandboxed" });

        // 0.6 ms of spinning every 20 ms: 3 % of a core, spread so that no 100 ms period takes more than its 5 ms.
        var result = await _host.InvokeAsync("t.duty3", "duty", HostWorld.Json(new { busyMs = 0.6, everyMs = 20, seconds = 6 }));

        var used = result.GetProperty("cpu").GetDouble() / result.GetProperty("wall").GetDouble() * 100;
        var cpu = _events.Where(e => e.PluginId == "t.duty3" && e.Resource == WatchdogResource.CpuPercent).ToList();
        var story = $"it used {used:0.##} % of a core by its own clock; events: {string.Join("; ", cpu.Select(e => e.Message))}";
        used.ShouldBeInRange(1.0, 4.0, "the duty cycle did not run as planned: " + story);
        cpu.ShouldBeEmpty(story);
        _host.GetUsage("t.duty3").ShouldNotBeNull().CpuPercent.ShouldBeLessThan(5 * 0.8, story);
    }

    private void Start(int? workerUid, TimeSpan? interval = null)
    {
        _host = new PluginHost(new PluginHostOptions
        {
            Home = _world.Home,
            WorkerUserId = workerUid,
            WorkerGroupId = workerUid,
            Watchdog = new WatchdogOptions { Interval = interval ?? Interval, ThrottleAfter = 3, KillAfter = 12 },
        });
        _cgroups = new RecordingCgroupBackend(CgroupBackends.Select(new CgroupOptions()).Backend);
        _host.UseCgroupBackend(_cgroups);
        _host.Watchdog.EventRaised += (_, e) => _events.Enqueue(e);
    }

    /// <summary>The Python sample with a "duty" method: spins busyMs every everyMs for seconds, returns its CPU and wall time.</summary>
    private string DutyPlugin(string id)
    {
        var folder = _world.Plugin("hello-python", id, """
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 60s, hook: 5s }
            permissions:
              required: []
            resources: { memoryMb: 128, openFiles: 64, cpuPercent: 5 }
            """);
        var script = Path.Combine(folder, "plugin.py");
        File.WriteAllText(script, File.ReadAllText(script).Replace("METHODS = {", """
            def duty(arg):
                import time
                busy, every = arg["busyMs"] / 1000.0, arg["everyMs"] / 1000.0
                start_wall, start_cpu = time.monotonic(), time.process_time()
                while time.monotonic() - start_wall < arg["seconds"]:
                    until = time.monotonic() + busy
                    while time.monotonic() < until:
                        pass
                    time.sleep(every - busy)  # never catches up after a delay: no burst of bursts
                return {"cpu": time.process_time() - start_cpu, "wall": time.monotonic() - start_wall}


            METHODS = {
                "duty": duty,
            """.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal));
        return folder;
    }
}
