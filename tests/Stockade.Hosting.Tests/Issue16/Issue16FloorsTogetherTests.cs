using Stockade.Core.Manifest;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// Issue 16 item 5: a stricter restart can bring every limit to its floor at once, so the floors must hold together,
/// not only one by one: a real worker starts and answers with every limit at its floor (as root and as nobody).
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16FloorsTogetherTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData(65534)]
    public async Task EveryLimitAtItsFloor_TheWorkerStillStartsAndServes(int? workerUid)
    {
        var floors = string.Join(", ", ResourceLimitTable.All.Where(r => r.StricterOnRestart && r.Key != "cpuTimeSeconds").Select(r => $"{r.Key}: {r.FloorFor(PluginRuntime.Dotnet)}"));
        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home, WorkerUserId = workerUid, WorkerGroupId = workerUid });

        var plugin = await host.LoadAsync(_world.Misbehave("t.floors", resources: $"{{ {floors}, diskMb: 16 }}", timeouts: "{ init: 60s, call: 60s, hook: 2s }"), new PluginLoadOptions { Level = "sandboxed" });

        plugin.Policy.Resources.MemoryMb.ShouldBe(ResourceLimitTable.Memory.Floor);
        for (var i = 0; i < 3; i++)
        {
            (await host.InvokeAsync("t.floors", "ping")).GetString().ShouldBe("pong");
        }
    }
}
