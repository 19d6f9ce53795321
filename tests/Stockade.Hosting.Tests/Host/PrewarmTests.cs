using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Manifest <c>prewarm</c>: idle confined workers kept ahead of demand, taken on restart, discarded when the policy
/// changes or the host goes away (real workers, as root).
/// </summary>
public sealed class PrewarmTests : IAsyncLifetime
{
    private readonly RootHostFixture _fixture = new();

    private PluginHost Host => _fixture.Host;

    private HostWorld World => _fixture.World;

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task InvokeAsync_AfterCrashWithPrewarm_ServesFromTheSpareStartedBeforeTheCrash()
    {
        await Host.LoadAsync(World.Misbehave("t.warm", extra: "prewarm: 1"), new PluginLoadOptions { Level = "sandboxed" });
        var spare = (await SparesAsync("t.warm", 1)).Single();
        var first = Host.Plugins.Single(p => p.Id == "t.warm").ProcessId!.Value;
        spare.ShouldNotBe(first);
        Alive(spare).ShouldBeTrue("the spare must be running before the crash");

        await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.warm", "crash"));
        (await Host.InvokeAsync("t.warm", "ping")).GetString().ShouldBe("pong");

        Host.Plugins.Single(p => p.Id == "t.warm").ProcessId.ShouldBe(spare);
        _fixture.Saw("t.warm", PluginEventKind.Restarted).ShouldBeTrue();
        await Host.Audit.FlushAsync();
        var restarted = new AuditReader(Host.Home.AuditDirectory).Query(new AuditQuery()).Where(r => r.Action == AuditActions.PluginRestarted && r.Plugin == "t.warm").ToList();
        restarted.ShouldContain(r => r.Details != null && r.Details.GetValueOrDefault("spare") == "true");

        // The pool is topped up again in the background with a new spare.
        (await SparesAsync("t.warm", 1)).Single().ShouldNotBe(spare);
    }

    [Fact]
    public async Task ReloadAsync_WithPrewarm_TakesTheSpare_AndTheOldWorkerEnds()
    {
        await Host.LoadAsync(World.Misbehave("t.warmreload", extra: "prewarm: 1"), new PluginLoadOptions { Level = "sandboxed" });
        var spare = (await SparesAsync("t.warmreload", 1)).Single();
        var old = Host.Plugins.Single().ProcessId!.Value;

        await Host.ReloadAsync("t.warmreload");

        Host.Plugins.Single().ProcessId.ShouldBe(spare);
        (await Host.InvokeAsync("t.warmreload", "ping")).GetString().ShouldBe("pong");
        await UntilAsync(() => !Alive(old));
        Alive(old).ShouldBeFalse("the reloaded worker is still running");
    }

    [Fact]
    public async Task RefreshGrantsAsync_Revoke_DiscardsSparesBuiltUnderTheOldPolicy()
    {
        var dir = World.Plugin("hello-csharp", "t.warmrevoke", """
            runtime: dotnet
            entry: bin/HelloPlugin.dll
            entryType: Samples.Hello.HelloPlugin
            prewarm: 1
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: tests
              optional:
                - network:request=api.example.com:443
            """);
        var installer = new PluginInstaller(Host);
        installer.Install(dir, new InstallOptions { Grants = ["all"] });
        await Host.LoadAsync("t.warmrevoke", new PluginLoadOptions { Level = "sandboxed" });
        var old = (await SparesAsync("t.warmrevoke", 1)).Single();

        installer.Revoke("t.warmrevoke", "network:request=api.example.com:443", "tester");
        await Host.RefreshGrantsAsync("t.warmrevoke"); // the host's own store poll may have applied it first (then this returns false)
        Host.Plugins.Single(p => p.Id == "t.warmrevoke").Policy.Granted.Select(p => p.ToString()).ShouldNotContain("network:request=api.example.com:443");

        await UntilAsync(() => !Alive(old));
        Alive(old).ShouldBeFalse("a spare confined under the old grants is still running");
        Host.SparePids("t.warmrevoke").ShouldNotContain(old);
        (await SparesAsync("t.warmrevoke", 1)).Single().ShouldNotBe(old);
    }

    [Fact]
    public async Task DisposeAsync_WithSpares_LeavesNoWorkerOrSpareRunning()
    {
        await Host.LoadAsync(World.Misbehave("t.warmdispose", extra: "prewarm: 2"), new PluginLoadOptions { Level = "sandboxed" });
        var pids = (await SparesAsync("t.warmdispose", 2)).Append(Host.Plugins.Single().ProcessId!.Value).ToList();
        pids.Count(Alive).ShouldBe(3);

        await Host.DisposeAsync();

        pids.Where(Alive).ShouldBeEmpty("a worker or a spare outlived DisposeAsync");
    }

    [Fact]
    public async Task Prewarm_AfterAHostWasKilled_RemovesItsSpareFoldersButNotALiveHosts()
    {
        using var gone = System.Diagnostics.Process.Start("/bin/true")!;
        await gone.WaitForExitAsync();
        var temp = Path.GetDirectoryName(Host.Home.TempDirectory("x"))!;
        var stale = Directory.CreateDirectory(Path.Combine(temp, $"t.old.spare-{gone.Id}-1")).FullName;
        var live = Directory.CreateDirectory(Path.Combine(temp, $"t.old.spare-{Environment.ProcessId}-999")).FullName;

        await Host.LoadAsync(World.Misbehave("t.warmsweep", extra: "prewarm: 1"), new PluginLoadOptions { Level = "sandboxed" });
        await SparesAsync("t.warmsweep", 1);

        Directory.Exists(stale).ShouldBeFalse("the folder of a spare whose host is gone was left behind");
        Directory.Exists(live).ShouldBeTrue("the folder of a running host's spare was removed");
    }

    private async Task<IReadOnlyList<int>> SparesAsync(string pluginId, int count)
    {
        await UntilAsync(() => Host.SparePids(pluginId).Count >= count);
        var pids = Host.SparePids(pluginId);
        pids.Count.ShouldBe(count, $"the host did not start {count} spare(s) for {pluginId}");
        return pids;
    }

    private static async Task UntilAsync(Func<bool> done)
    {
        // A worker start takes about a second under load; a minute is a bound for a loaded CI machine, not a measure.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!done() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    internal static bool Alive(int pid)
    {
        try
        {
            // A zombie waiting to be reaped is dead for our purpose.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
