using System.Diagnostics;
using System.Text.Json;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Tests.Host;

/// <summary>Timeouts, crashes, restarts, hooks and protocol violations with real workers (as root).</summary>
public sealed class FailureTests : IAsyncLifetime
{
    private readonly RootHostFixture _fixture = new();

    private PluginHost Host => _fixture.Host;

    private HostWorld World => _fixture.World;

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task InvokeAsync_InfiniteLoop_KilledWithinOneSecondOfTimeout_OthersKeepServing()
    {
        await Host.LoadAsync(World.Misbehave("t.spin", resources: "{ memoryMb: 256, openFiles: 128, diskMb: 16, maxFileMb: 16, cpuPercent: 200 }", timeouts: "{ init: 30s, call: 2s, hook: 2s }"), new PluginLoadOptions { Level = "sandboxed" });
        await Host.LoadAsync(World.Misbehave("t.other"), new PluginLoadOptions { Level = "sandboxed" });
        var pid = Host.Plugins.Single(p => p.Id == "t.spin").ProcessId!.Value;

        var watch = Stopwatch.StartNew();
        var ex = await Should.ThrowAsync<PluginTimeoutException>(() => Host.InvokeAsync("t.spin", "spin"));
        var deadline = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{pid}") && deadline.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(20);
        }

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        Directory.Exists($"/proc/{pid}").ShouldBeFalse("the spinning worker is still alive");
        ex.PluginId.ShouldBe("t.spin");
        _fixture.Saw("t.spin", PluginEventKind.TimedOut).ShouldBeTrue();
        (await Host.InvokeAsync("t.other", "ping")).GetString().ShouldBe("pong");
    }

    [Fact]
    public async Task LoadAsync_InitNeverFinishes_ThrowsTimeout()
    {
        var dir = World.Misbehave("t.slowinit", timeouts: "{ init: 2s, call: 5s, hook: 2s }");

        await Should.ThrowAsync<PluginTimeoutException>(() => Host.LoadAsync(dir, new PluginLoadOptions { Level = "sandboxed" }));

        Host.Plugins.ShouldNotContain(p => p.Id == "t.slowinit");
    }

    [Fact]
    public async Task InvokeAsync_Crash_ThrowsCrashed_RestartsOnNextCall_ThenDisables()
    {
        await Host.LoadAsync(World.Misbehave("t.crash"), new PluginLoadOptions { Level = "sandboxed" });

        var first = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.crash", "crash"));
        first.Kind.ShouldBe(PluginFailureKind.Crashed);
        (await Host.InvokeAsync("t.crash", "ping")).GetString().ShouldBe("pong");
        _fixture.Saw("t.crash", PluginEventKind.Restarted).ShouldBeTrue();

        // MaxRestarts = 2 in the fixture: the second restart is allowed, the third crash disables.
        await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.crash", "crash"));
        (await Host.InvokeAsync("t.crash", "ping")).GetString().ShouldBe("pong");
        await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.crash", "crash"));
        var disabled = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.crash", "ping"));
        disabled.Message.ShouldContain("disabled");
    }

    [Fact]
    public async Task FireHookAsync_OneSleepsForever_OthersReturnWithinHookTimeout()
    {
        var hook = """
                - permission: hook:register=test.ping
                  reason: tests
            """;
        foreach (var id in new[] { "t.hook-a", "t.hook-b", "t.hook-slow" })
        {
            await Host.LoadAsync(World.Misbehave(id, permissions: hook, extra: "hooks: [test.ping]"),
                new PluginLoadOptions { Level = "sandboxed", Grants = ["hook:register=test.ping"] });
        }

        var watch = Stopwatch.StartNew();
        var results = await Host.FireHookAsync("test.ping", JsonSerializer.SerializeToElement(new { }));

        // The slow plugin's hook never returns; the hook timeout is 2 s. A functional bound, not a speed target: far
        // below "forever", with room for a loaded machine (a fresh-clone CI run at load ~40 took over 4 s).
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        results.Count.ShouldBe(3);
        results.Where(r => r.Succeeded).Select(r => r.PluginId).OrderBy(x => x, StringComparer.Ordinal).ShouldBe(["t.hook-a", "t.hook-b"]);
        results.Single(r => r.PluginId == "t.hook-slow").Succeeded.ShouldBeFalse();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("oversize")]
    [InlineData("flood")]
    public async Task InvokeAsync_ProtocolAbuse_EndsWorkerWithViolation_HostAndOthersSurvive(string method)
    {
        var python = World.Plugin("hostile-python", "t.py-" + method, string.Join('\n', File.ReadAllLines(Path.Combine(HostWorld.SamplesDirectory, "hostile-python", "plugin.yaml"))
            .Where(l => !l.StartsWith("id:", StringComparison.Ordinal) && !l.StartsWith("name:", StringComparison.Ordinal)
                && !l.StartsWith("version:", StringComparison.Ordinal) && !l.StartsWith("publisher:", StringComparison.Ordinal))));
        await Host.LoadAsync(python, new PluginLoadOptions { Level = "sandboxed" });
        await Host.LoadAsync(World.Misbehave("t.bystander"), new PluginLoadOptions { Level = "sandboxed" });

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.py-" + method, method));

        ex.Kind.ShouldBe(PluginFailureKind.ProtocolViolation);
        await WaitFor(() => _fixture.Saw("t.py-" + method, PluginEventKind.ProtocolViolation));
        await Host.Audit.FlushAsync();
        new Stockade.Hosting.Audit.AuditReader(Host.Home.AuditDirectory).Query(new Stockade.Hosting.Audit.AuditQuery { Plugin = "t.py-" + method }).ShouldContain(r => r.Action == AuditActions.ProtocolViolation);
        (await Host.InvokeAsync("t.bystander", "ping")).GetString().ShouldBe("pong");
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
        }

        condition().ShouldBeTrue();
    }
}
