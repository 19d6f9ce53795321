using Stockade.Hosting.Installation;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// Issue 18 item 1: an event for every change of a plugin's state — disabled by the restart budget or by a person,
/// enabled again — and a periodic usage report, as an application subscribed to <see cref="PluginHost.PluginEvent"/> sees them.
/// </summary>
[Trait("Issue", "18")]
[Collection(Issue18Host.Collection)]
public sealed class Issue18EventsTests
{
    [Fact]
    public async Task UsageEvent_EveryInterval_CarriesTheWorkersUsageAndTheCallsSinceTheLastOne()
    {
        await using var h = Issue18Host.Create(o => o.UsageEventInterval = TimeSpan.FromSeconds(1));
        await h.Host.LoadAsync(h.World.Misbehave("t.usage"), new PluginLoadOptions { Level = "sandboxed" });
        for (var i = 0; i < 3; i++)
        {
            (await h.Host.InvokeAsync<string>("t.usage", "ping", null)).ShouldBe("pong");
        }

        // Every call is counted once, in the reports that follow it; a report carries what the watchdog measured.
        var reports = await UntilAsync(h, () => h.Events.Where(e => e.Kind == PluginEventKind.Usage && e.PluginId == "t.usage").ToList(), r => r.Sum(e => e.Calls) >= 3 && r.Count >= 2);
        reports.Sum(e => e.Calls).ShouldBe(3);
        reports.ShouldAllBe(e => e.Usage != null && e.Usage.MemoryBytes > 0 && e.Calls >= 0);
        reports[^1].Message.ShouldContain("calls since the last report");
        h.Events.Where(e => e.Kind != PluginEventKind.Usage).ShouldAllBe(e => e.Usage == null && e.Calls == null);
    }

    [Fact]
    public async Task UsageEvents_OffWithNull_AndIntervalsUnderASecondAreRefused()
    {
        await using (var h = Issue18Host.Create(o => o.UsageEventInterval = null))
        {
            await h.Host.LoadAsync(h.World.Misbehave("t.nousage"), new PluginLoadOptions { Level = "sandboxed" });
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            h.Events.ShouldNotContain(e => e.Kind == PluginEventKind.Usage);
        }

        var ex = Should.Throw<ArgumentException>(() => Issue18Host.Create(o => o.UsageEventInterval = TimeSpan.FromMilliseconds(10)));
        ex.Message.ShouldContain("UsageEventInterval must be at least 1 second");
    }

    [Fact]
    public async Task APersonDisablingAndEnabling_AnInstalledPlugin_RaisesDisabledThenEnabled()
    {
        await using var h = Issue18Host.Create();
        var installer = new PluginInstaller(h.Host);
        installer.Install(h.World.Misbehave("t.toggle"), new InstallOptions { Grants = ["all"] });
        await h.Host.LoadAsync("t.toggle", new PluginLoadOptions { Level = "sandboxed" });
        (await h.Host.InvokeAsync<string>("t.toggle", "ping", null)).ShouldBe("pong");

        installer.SetEnabled("t.toggle", false, "tester");
        var disabled = await UntilAsync(h, () => h.Events.FirstOrDefault(e => e.Kind == PluginEventKind.Disabled), e => e is not null);
        disabled!.Message.ShouldContain("a person disabled it");
        await Should.ThrowAsync<PluginFailedException>(() => h.Host.InvokeAsync("t.toggle", "ping"));

        installer.SetEnabled("t.toggle", true, "tester");
        var enabled = await UntilAsync(h, () => h.Events.FirstOrDefault(e => e.Kind == PluginEventKind.Enabled), e => e is not null);
        enabled!.Message.ShouldContain("the next call starts it");
        (await h.Host.InvokeAsync<string>("t.toggle", "ping", null)).ShouldBe("pong");
        h.Events.Select(e => e.Kind).ShouldContain(PluginEventKind.Stopped);
    }

    [Fact]
    public async Task RestartBudgetSpent_RaisesDisabled_WithTheLimits_BeforeTheCallFails()
    {
        await using var h = Issue18Host.Create(o => o.MaxRestarts = 1);
        await h.Host.LoadAsync(h.World.Misbehave("t.budget"), new PluginLoadOptions { Level = "sandboxed" });

        PluginFailedException? last = null;
        for (var i = 0; i < 4 && last?.Message.Contains("disabled", StringComparison.Ordinal) != true; i++)
        {
            last = await Should.ThrowAsync<PluginFailedException>(() => h.Host.InvokeAsync("t.budget", "crash"));
        }

        last.ShouldNotBeNull().Message.ShouldContain("was disabled");
        var disabled = h.Events.Single(e => e.Kind == PluginEventKind.Disabled);
        disabled.Limits.ShouldNotBeNull();
        h.Events.Count(e => e.Kind == PluginEventKind.Crashed).ShouldBeGreaterThanOrEqualTo(2);
    }

    private static async Task<T> UntilAsync<T>(Issue18Host h, Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var value = read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }
}
