using Stockade.Hosting.Installation;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// A person disabling or uninstalling an installed plugin (through the store, as the CLI does from another process)
/// stops its running worker in a host that has it loaded; enabling it again lets it serve (real workers, as root).
/// </summary>
public sealed class DisableWhileRunningTests : IAsyncLifetime
{
    private readonly RootHostFixture _fixture = new();

    private PluginHost Host => _fixture.Host;

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task Disable_WhileLoaded_StopsTheWorkerAndRefusesCalls_EnableServesAgain()
    {
        var installer = await InstallAndLoadAsync("t.disable");
        var pid = Host.Plugins.Single().ProcessId!.Value;

        installer.SetEnabled("t.disable", false, "tester");

        await UntilAsync(() => !Alive(pid));
        Alive(pid).ShouldBeFalse("the worker of a disabled plugin is still running");
        var refused = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.disable", "ping"));
        refused.Message.ShouldContain("disabled");
        refused.NextStep.ShouldBe("enable it again: stockade enable t.disable");
        _fixture.Saw("t.disable", PluginEventKind.Stopped).ShouldBeTrue();

        installer.SetEnabled("t.disable", true, "tester");

        (await PingWhenServingAsync("t.disable")).ShouldBe("pong");
        Host.Plugins.Single().ProcessId.ShouldNotBe(pid);
    }

    [Fact]
    public async Task Uninstall_WhileLoaded_StopsTheWorkerAndSaysToInstallAgain()
    {
        var installer = await InstallAndLoadAsync("t.uninstall");
        var pid = Host.Plugins.Single().ProcessId!.Value;

        installer.Uninstall("t.uninstall", by: "tester");

        await UntilAsync(() => !Alive(pid));
        Alive(pid).ShouldBeFalse("the worker of an uninstalled plugin is still running");
        var refused = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.uninstall", "ping"));
        refused.NextStep.ShouldNotBeNull().ShouldContain("stockade install");
    }

    private async Task<PluginInstaller> InstallAndLoadAsync(string id)
    {
        var installer = new PluginInstaller(Host);
        installer.Install(_fixture.World.Misbehave(id), new InstallOptions { Grants = ["all"] });
        await Host.LoadAsync(id, new PluginLoadOptions { Level = "sandboxed" });
        (await Host.InvokeAsync(id, "ping")).GetString().ShouldBe("pong");
        return installer;
    }

    /// <summary>The host notices 'enable' within its store poll (about 100 ms); until then calls are refused.</summary>
    private async Task<string?> PingWhenServingAsync(string id)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return (await Host.InvokeAsync(id, "ping")).GetString();
            }
            catch (PluginFailedException) when (i < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}");

    private static async Task UntilAsync(Func<bool> done)
    {
        for (var i = 0; i < 100 && !done(); i++)
        {
            await Task.Delay(100);
        }
    }
}
