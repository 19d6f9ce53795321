using Stockade.Hosting.Tests.Host;
using Stockade.Linux.Cgroups;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// Issue 16 through the host, on this machine's cgroup v1 as root: each worker gets its cgroup with the plugin's
/// limits, hostile plugins (memory hogs in C# and Python, private and shared; a spinner; a thread bomb) are held there
/// and the cgroup is gone once the worker is; a benign plugin is unaffected.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16CgroupHostTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private readonly HostWorld _world = new();
    private PluginHost _host = null!;
    private RecordingCgroupBackend _cgroups = null!;

    public Task InitializeAsync()
    {
        _host = new PluginHost(new PluginHostOptions
        {
            Home = _world.Home,
            Watchdog = new Monitoring.WatchdogOptions { Interval = TimeSpan.FromMilliseconds(200), ThrottleAfter = 3, KillAfter = 12 },
        });
        var chosen = CgroupBackends.Select(new CgroupOptions());
        _cgroups = new RecordingCgroupBackend(chosen.Backend);
        _host.UseCgroupBackend(_cgroups);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _world.Dispose();
    }

    [CgroupHostTheory]
    [InlineData("managed")]
    [InlineData("shared")]
    public async Task CSharpMemoryHog_IsStoppedWithinItsCgroupLimit(string memory)
    {
        await _host.LoadAsync(_world.Misbehave("t.hog-" + memory), new PluginLoadOptions { Level = "sandboxed" });
        var benign = await LoadBenignAsync();
        var cgroup = _cgroups.Last("t.hog-" + memory);
        cgroup.Limits.MemoryBytes.ShouldBe(256 * MiB);

        // Managed arrays meet the GC heap limit first (a caught OutOfMemoryException: the call returns, the worker
        // lives); shared memory escapes it and RLIMIT_DATA and is ended by the memory cgroup's OOM killer, or by the
        // watchdog's second line when resident memory (which also counts the runtime's file pages) passes first.
        var call = _host.InvokeAsync("t.hog-" + memory, "grow", HostWorld.Json(new { mbPerStep = 32, stepMs = 10, memory, maxMb = 2048 }));
        var outcome = await Record.ExceptionAsync(() => call);

        if (memory == "shared")
        {
            outcome.ShouldNotBeNull("the hog got 2 GiB of shared memory");
        }

        var counters = await WhenRemovedOrUnloadedAsync("t.hog-" + memory, cgroup);
        counters.MemoryPeakBytes.ShouldNotBeNull().ShouldBeLessThanOrEqualTo((long)(256 * MiB * 1.1), counters.ToString());
        cgroup.DirectoriesGone.ShouldBeTrue();
        await BenignStillServesAsync(benign);
    }

    [CgroupHostTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PythonMemoryHog_IsStoppedWithinItsCgroupLimit(bool shared)
    {
        var id = shared ? "t.pyhog-shared" : "t.pyhog-private";
        await _host.LoadAsync(PythonHog(id), new PluginLoadOptions { Level = "sandboxed" });
        var cgroup = _cgroups.Last(id);

        var outcome = await Record.ExceptionAsync(() => _host.InvokeAsync(id, "hog", HostWorld.Json(new { mb = 1024, shared })));

        outcome.ShouldNotBeNull("the hog got 1 GiB");
        var counters = await WhenRemovedOrUnloadedAsync(id, cgroup);
        counters.MemoryPeakBytes.ShouldNotBeNull().ShouldBeLessThanOrEqualTo((long)(128 * MiB * 1.1), counters.ToString());
        cgroup.DirectoriesGone.ShouldBeTrue();
    }

    [CgroupHostFact]
    public async Task Spinner_IsThrottledByItsQuotaThenKilled()
    {
        var events = new List<PluginEvent>();
        _host.PluginEvent += (_, e) => { lock (events) { events.Add(e); } };
        await _host.LoadAsync(_world.Misbehave("t.spin", resources: "{ memoryMb: 256, cpuPercent: 30 }"), new PluginLoadOptions { Level = "sandboxed" });
        var cgroup = _cgroups.Last("t.spin");
        var started = DateTime.UtcNow;

        var outcome = await Record.ExceptionAsync(() => _host.InvokeAsync("t.spin", "spin", (System.Text.Json.JsonElement?)null));

        outcome.ShouldNotBeNull();
        var counters = await cgroup.Final.WaitAsync(TimeSpan.FromSeconds(30));
        var wall = DateTime.UtcNow - started;
        lock (events)
        {
            events.ShouldContain(e => e.PluginId == "t.spin" && e.Kind == PluginEventKind.Throttled, string.Join("\n", events));
            events.ShouldContain(e => e.PluginId == "t.spin" && e.Kind == PluginEventKind.Killed, string.Join("\n", events));
        }

        cgroup.CpuPercents.ShouldContain(15, "the throttle halves the quota");
        counters.CpuThrottled.ShouldNotBeNull().ShouldBeGreaterThan(TimeSpan.Zero, "the kernel held it");
        (counters.CpuUsage!.Value.TotalSeconds / wall.TotalSeconds).ShouldBeLessThanOrEqualTo(0.30 * 1.5, counters.ToString());
    }

    [CgroupHostFact]
    public async Task ThreadBomb_IsHeldByPidsMax()
    {
        await _host.LoadAsync(_world.Misbehave("t.threads", resources: "{ memoryMb: 256, threads: 32 }"), new PluginLoadOptions { Level = "sandboxed" });
        var cgroup = _cgroups.Last("t.threads");
        cgroup.Limits.Tasks.ShouldBe(32 + 1, "pids.max = threads + processes (decision 51)");

        await Record.ExceptionAsync(() => _host.InvokeAsync("t.threads", "threadBomb", (System.Text.Json.JsonElement?)null));
        var live = cgroup.ReadCounters();
        var counters = live.TasksLimitHits is > 0 ? live : await WhenRemovedOrUnloadedAsync("t.threads", cgroup);

        counters.TasksLimitHits.ShouldNotBeNull().ShouldBeGreaterThan(0, counters.ToString());
    }

    [CgroupHostFact]
    public async Task Unload_RemovesTheWorkersCgroup()
    {
        var benign = await LoadBenignAsync();
        var cgroup = _cgroups.Last(benign);
        cgroup.DirectoriesGone.ShouldBeFalse();

        await _host.UnloadAsync(benign);

        await cgroup.Final.WaitAsync(TimeSpan.FromSeconds(30));
        cgroup.DirectoriesGone.ShouldBeTrue();
    }

    [CgroupHostFact]
    public async Task NewHost_RemovesTheCgroupsOfAHostThatWasKilled()
    {
        // A host killed with SIGKILL while its worker ran: its worker died with it (PDEATHSIG), its cgroups stayed.
        var backend = (CgroupV1Backend)CgroupBackends.Select(new CgroupOptions()).Backend;
        var dead = CgroupNames.Tag(4_194_304, 42) + "t.killed-host-1";
        var left = backend.Parents.Values.Select(p => Path.Combine(p, dead)).Distinct().ToList();
        left.ForEach(d => Directory.CreateDirectory(d));

        await using var next = new PluginHost(new PluginHostOptions { Home = _world.Home });
        next.CgroupBackend.Kind.ShouldBe(CgroupBackendKind.V1);

        left.ShouldAllBe(d => !Directory.Exists(d));
    }

    [CgroupHostFact]
    public async Task Guarantees_SayWhichRungIsKernel()
    {
        var plugin = await _host.LoadAsync(_world.Misbehave("t.report"), new PluginLoadOptions { Level = "sandboxed" });

        var guarantees = _host.Plugins.Single(p => p.Id == "t.report").Guarantees;
        guarantees.ShouldContain(g => g.Subject.StartsWith("memory ≤", StringComparison.Ordinal) && g.Layer == EnforcementLayer.Kernel && g.Mechanism.Contains("memory cgroup v1"));
        guarantees.ShouldContain(g => g.Subject.StartsWith("CPU ≤", StringComparison.Ordinal) && g.Layer == EnforcementLayer.Kernel && g.Mechanism.Contains("CFS quota"));
        guarantees.ShouldContain(g => g.Subject.StartsWith("tasks", StringComparison.Ordinal) && g.Subject.EndsWith("65", StringComparison.Ordinal));
        guarantees.ShouldContain(g => g.Subject == "cgroup: v1");
        plugin.ShouldNotBeNull();
    }

    private async Task<CgroupCounters> WhenRemovedOrUnloadedAsync(string id, RecordingCgroup cgroup)
    {
        // A runtime that survives its own out-of-memory error keeps its worker: unloading removes the cgroup.
        var done = await Task.WhenAny(cgroup.Final, Task.Delay(TimeSpan.FromSeconds(3)));
        if (done != cgroup.Final)
        {
            await _host.UnloadAsync(id);
        }

        return await cgroup.Final.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private string PythonHog(string id)
    {
        var folder = _world.Plugin("hello-python", id, """
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 30s, hook: 5s }
            permissions:
              required: []
            resources: { memoryMb: 128, openFiles: 64 }
            """);
        var script = Path.Combine(folder, "plugin.py");
        File.WriteAllText(script, File.ReadAllText(script).Replace("METHODS = {", """
            def hog(arg):
                import mmap
                held = []
                for _ in range(arg["mb"]):
                    if arg.get("shared"):
                        block = mmap.mmap(-1, 1 << 20)
                        block.write(b"x" * (1 << 20))
                    else:
                        block = b"x" * (1 << 20)
                    held.append(block)
                return {"held": len(held)}


            METHODS = {
                "hog": hog,
            """.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal));
        return folder;
    }

    private async Task<string> LoadBenignAsync()
    {
        var plugin = await _host.LoadAsync(_world.Plugin("hello-python", "t.benign", """
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            permissions:
              required: []
            resources: { memoryMb: 128, openFiles: 64 }
            """), new PluginLoadOptions { Level = "sandboxed" });
        return plugin.Id;
    }

    private async Task BenignStillServesAsync(string id)
    {
        var answer = await _host.InvokeAsync(id, "greet", HostWorld.Json(new { name = "x" }));
        answer.GetProperty("message").GetString().ShouldBe("Hello, x!");
    }
}

/// <summary>A host test that needs root and this machine's writable cgroup v1 controllers.</summary>
public sealed class CgroupHostFactAttribute : FactAttribute
{
    public CgroupHostFactAttribute() => Skip = CgroupHostRequirements.Missing;
}

/// <summary>The theory form of <see cref="CgroupHostFactAttribute"/>.</summary>
public sealed class CgroupHostTheoryAttribute : TheoryAttribute
{
    public CgroupHostTheoryAttribute() => Skip = CgroupHostRequirements.Missing;
}

internal static class CgroupHostRequirements
{
    private static readonly Lazy<string?> Reason = new(() =>
        !OperatingSystem.IsLinux() || Environment.UserName != "root" ? "needs root on Linux (cgroups are made for each worker)"
        : CgroupBackends.Select(new CgroupOptions { Require = CgroupBackendKind.V1 }) is { Backend.Kind: CgroupBackendKind.V1 } ? null
        : "no writable cgroup v1 memory, cpu and pids controllers here");

    public static string? Missing => Reason.Value;
}
