using Stockade.Plugin.Testing;
using MyPlugin;

namespace MyPlugin.Tests;

public sealed class MyPluginTests
{
    // The plugin folder (plugin.yaml, bin/MyPlugin.dll), from this test's output folder bin/<configuration>/<framework>/.
    private static readonly string PluginFolder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../MyPlugin"));

    [Fact]
    public async Task Hello_InProcess_Greets()
    {
        // In this process, under a fake host that enforces plugin.yaml: a brokered call the manifest does not declare
        // is refused exactly as the real host refuses it (same exception, same message).
        await using var plugin = await InProcessPlugin.StartAsync<MyPluginPlugin>(PluginFolder);

        var result = await plugin.InvokeAsync<HelloResult>("hello", new { name = "Ada" });

        Assert.Equal("Hello, Ada!", result?.Message);
    }

    [Fact]
    public async Task Hello_Confined_Greets()
    {
        // In a real worker process confined by the kernel (Landlock, seccomp, rlimits), as an application runs it.
        await using var plugin = await ConfinedPlugin.StartAsync(PluginFolder, grants: []);

        var result = await plugin.InvokeAsync<HelloResult>("hello", new { name = "Ada" });

        Assert.Equal("Hello, Ada!", result?.Message);
    }
}
