using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// Issue 18 item 1, as an ASP.NET Core or worker-service app wires Stockade: options bound from configuration and
/// validated like the rest (every problem in one message, a misspelt key among them), and an opt-in hosted service that
/// loads the installed plugins at start and unloads them at stop. Real generic hosts, real workers.
/// </summary>
[Trait("Issue", "18")]
[Collection(Issue18Host.Collection)]
public sealed class Issue18DependencyInjectionTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task AddStockadeIConfiguration_BindsTheSection_AndTheHostRunsWithIt()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stockade:Home"] = _world.Home,
            ["Stockade:DefaultLevel"] = "sandboxed",
            ["Stockade:MaxRestarts"] = "7",
            ["Stockade:UsageEventInterval"] = "00:00:30",
            ["Stockade:Watchdog:Interval"] = "00:00:00.250",
            ["Stockade:Environment:LANG"] = "C.UTF-8",
            ["Stockade:Aliases:$SHARED"] = _world.Granted,
        });
        builder.Services.AddStockade(builder.Configuration.GetSection("Stockade"), o => o.AllowDowngrade = false);
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value;
        options.Home.ShouldBe(_world.Home);
        options.MaxRestarts.ShouldBe(7);
        options.UsageEventInterval.ShouldBe(TimeSpan.FromSeconds(30));
        options.Watchdog.Interval.ShouldBe(TimeSpan.FromMilliseconds(250));
        options.Environment.ShouldNotBeNull()["LANG"].ShouldBe("C.UTF-8");
        options.Aliases["$SHARED"].ShouldBe(_world.Granted);

        await app.StartAsync();
        var host = app.Services.GetRequiredService<PluginHost>();
        await host.LoadAsync(_world.Misbehave("t.bound"), new PluginLoadOptions { Level = "sandboxed" });
        (await host.InvokeAsync<string>("t.bound", "ping", null)).ShouldBe("pong");
        await app.StopAsync();
    }

    [Fact]
    public async Task AddStockadeIConfiguration_EveryProblem_AMisspeltKeyIncluded_StopsTheStartInOneMessage()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stockade:Home"] = "relative/home",
            ["Stockade:DefaultLevel"] = "paranoid",
            ["Stockade:AllowDowngrad"] = "true", // a typo must not pass silently: it is a security setting
        });
        builder.Services.AddStockade(builder.Configuration.GetSection("Stockade"));
        using var app = builder.Build();

        var ex = await Should.ThrowAsync<OptionsValidationException>(() => app.StartAsync());
        ex.Message.ShouldContain("AllowDowngrad");
        ex.Message.ShouldContain("configuration section 'Stockade'");
        ex.Failures.ShouldContain(f => f.Contains("Home", StringComparison.Ordinal) && f.Contains("absolute", StringComparison.Ordinal));
        ex.Failures.ShouldContain(f => f.Contains("DefaultLevel", StringComparison.Ordinal) && f.Contains("paranoid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddStockadeIConfiguration_AValueThatDoesNotConvert_IsAProblemNamingTheKey()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stockade:Home"] = _world.Home,
            ["Stockade:MaxRestarts"] = "lots",
        });
        builder.Services.AddStockade(builder.Configuration.GetSection("Stockade"));
        using var app = builder.Build();

        var ex = await Should.ThrowAsync<OptionsValidationException>(() => app.StartAsync());
        ex.Message.ShouldContain("Stockade:MaxRestarts");
    }

    [Fact]
    public async Task HostedLoading_LoadsEnabledInstalledPluginsAtStart_SkipsDisabled_UnloadsAtStop()
    {
        // An operator installed two plugins and disabled one, with the CLI's library.
        await using (var admin = new PluginHost(new PluginHostOptions { Home = _world.Home }))
        {
            var installer = new PluginInstaller(admin);
            installer.Install(_world.Misbehave("t.on"), new InstallOptions { Grants = ["all"] });
            installer.Install(_world.Misbehave("t.off"), new InstallOptions { Grants = ["all"] });
            installer.SetEnabled("t.off", false, "operator");
        }

        var logs = new CapturingLoggerProvider();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddStockade(o => o.Home = _world.Home);
        builder.Services.AddStockadeHostedLoading();
        using var app = builder.Build();
        var host = app.Services.GetRequiredService<PluginHost>();
        host.Plugins.ShouldBeEmpty();

        await app.StartAsync();
        host.Plugins.Select(p => p.Id).ShouldBe(["t.on"]);
        var pid = host.Plugins.Single().ProcessId.ShouldNotBeNull();
        (await host.InvokeAsync<string>("t.on", "ping", null)).ShouldBe("pong");
        logs.Entries.ShouldContain(e => e.EventId.Id == 1152 && e.Message.Contains("t.off", StringComparison.Ordinal));

        await app.StopAsync();
        host.Plugins.ShouldBeEmpty();
        Alive(pid).ShouldBeFalse("the worker outlived the application's stop");
    }

    [Fact]
    public async Task HostedLoading_APluginThatCannotLoad_IsLoggedWithItsNextStep_TheOthersLoad_OrTheStartStopsWhenAsked()
    {
        await using (var admin = new PluginHost(new PluginHostOptions { Home = _world.Home }))
        {
            var installer = new PluginInstaller(admin);
            installer.Install(_world.Misbehave("t.good"), new InstallOptions { Grants = ["all"] });
        }

        foreach (var stop in new[] { false, true })
        {
            var logs = new CapturingLoggerProvider();
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders().AddProvider(logs);
            builder.Services.AddStockade(o => o.Home = _world.Home);
            builder.Services.AddStockadeHostedLoading(o =>
            {
                o.PluginIds = ["t.good", "t.missing"];
                o.StopOnLoadFailure = stop;
            });
            using var app = builder.Build();
            var host = app.Services.GetRequiredService<PluginHost>();
            if (stop)
            {
                var ex = await Should.ThrowAsync<PluginNotFoundException>(() => app.StartAsync());
                ex.NextStep.ShouldNotBeNull().ShouldContain("stockade install");
            }
            else
            {
                await app.StartAsync();
                host.Plugins.Select(p => p.Id).ShouldBe(["t.good"]);
                logs.Entries.ShouldContain(e => e.EventId.Id == 1151 && e.Level == LogLevel.Error && e.Message.Contains("t.missing", StringComparison.Ordinal) && e.Message.Contains("stockade install", StringComparison.Ordinal));
                await app.StopAsync();
            }

            await host.DisposeAsync();
        }
    }

    private static bool Alive(int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        return Directory.Exists($"/proc/{pid}");
    }
}
