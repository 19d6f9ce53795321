using System.Diagnostics;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue 15: a refused load leaves nothing running, and <see cref="PluginHost.DisposeAsync"/> stops every plugin in
/// parallel within one grace period, never throws, and tells callers "stopped by the host". Each test owns its host.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15SupervisorShutdownTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task DisposeAsync_FiftyPluginsWithCallsInFlight_StopsInParallel_CallsFailAsStoppedByHost()
    {
        const int count = 50;
        var host = new PluginHost(Options());
        var ids = Enumerable.Range(0, count).Select(i => $"t15.many-{i:00}").ToArray();
        var dirs = ids.Select(id => _world.ScriptPlugin(id)).ToArray();
        using (var gate = new SemaphoreSlim(4))
        {
            await Task.WhenAll(dirs.Select(async dir =>
            {
                await gate.WaitAsync();
                try
                {
                    await host.LoadAsync(dir, new PluginLoadOptions { Level = "sandboxed" });
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var calls = ids.Select(id => Task.Run(() => host.InvokeAsync(id, "sleep"))).ToArray();
        await Task.Delay(1500); // every call is in the worker's hands (the script sleeps and reads nothing more)

        var watch = Stopwatch.StartNew();
        await host.DisposeAsync();
        watch.Stop();

        // One after another, 50 plugins with a call in flight take at least 50 × the 2 s grace; in parallel, one grace plus
        // the kills. Generous for a loaded 2-core machine (measured 7–25 s at load averages of 30–50).
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(45), "plugins are stopped one after another");
        foreach (var call in calls)
        {
            var ex = await Should.ThrowAsync<PluginFailedException>(() => call);
            ex.Kind.ToString().ShouldBe("StoppedByHost");
            ex.Message.ShouldContain("stopped by the host");
        }

        foreach (var dir in dirs)
        {
            (await Issue15SupervisorWorld.WaitNoProcessesAsync(dir, TimeSpan.FromSeconds(5))).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task LoadAsync_AuditFailsWhenStarted_Refused_NoWorkerLeft_DisposeDoesNotThrow()
    {
        var host = new PluginHost(Options());
        var dir = _world.ScriptPlugin("t15.audit-full");

        // A folder where today's audit file belongs: every write fails (as on a full or broken audit volume).
        Directory.CreateDirectory(Path.Combine(host.Home.AuditDirectory, $"audit-{DateTime.UtcNow:yyyy-MM-dd}.jsonl"));
        Directory.CreateDirectory(Path.Combine(host.Home.AuditDirectory, $"audit-{DateTime.UtcNow.AddMinutes(2):yyyy-MM-dd}.jsonl"));

        await Should.ThrowAsync<Exception>(() => host.LoadAsync(dir, new PluginLoadOptions { Level = "sandboxed" }));

        host.Plugins.ShouldBeEmpty();
        (await Issue15SupervisorWorld.WaitNoProcessesAsync(dir, TimeSpan.FromSeconds(10))).ShouldBeEmpty("a refused load left its worker running");
        await Should.NotThrowAsync(async () => await host.DisposeAsync());
    }

    [Fact]
    public async Task DisposeAsync_WhilePluginStarts_LoadFailsStoppedByHost_NoWorkerLeft()
    {
        var host = new PluginHost(Options());
        var dir = _world.ScriptPlugin("t15.dispose-starting", "slow-init");

        var load = Task.Run(() => host.LoadAsync(dir, new PluginLoadOptions { Level = "sandboxed" }));
        var watch = Stopwatch.StartNew();
        while (Issue15SupervisorWorld.ProcessesOf(dir).Count == 0 && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        await Task.Delay(300);
        await host.DisposeAsync();

        var ex = await Should.ThrowAsync<PluginFailedException>(() => load);
        ex.Kind.ToString().ShouldBe("StoppedByHost");
        (await Issue15SupervisorWorld.WaitNoProcessesAsync(dir, TimeSpan.FromSeconds(10))).ShouldBeEmpty();
        var records = Issue15SupervisorWorld.Records(host.Home.AuditDirectory, "t15.dispose-starting");
        records.Where(r => r.Action == "plugin.start_failed").ShouldHaveSingleItem().Details["cause"].ShouldBe("stopped");
        records.Where(r => r.Action == "worker.exited").ShouldHaveSingleItem().Details["state"].ShouldBe("starting");
    }

    private PluginHostOptions Options() => new()
    {
        Home = _world.Home,
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["LANG"] = "C.UTF-8" },
    };
}
