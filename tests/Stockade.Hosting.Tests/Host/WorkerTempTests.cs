using Stockade.Hosting.Workers;
using Stockade.Linux.FileSystem;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Each worker's own <c>temp/&lt;id&gt;/&lt;worker&gt;/</c> (DESIGN §9): distinct per worker, removed through
/// descriptors when it ends, swept after a host that died, counted in the disk quota (real workers, as root).
/// </summary>
public sealed class WorkerTempTests : IAsyncLifetime
{
    private readonly RootHostFixture _fixture = new();

    private PluginHost Host => _fixture.Host;

    private HostWorld World => _fixture.World;

    private string TempRoot => Path.Combine(Host.Home.Root, "temp");

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task Restart_EachWorkerHasItsOwnTempFolder_RemovedWhenItEnds()
    {
        await Host.LoadAsync(World.Misbehave("t.tmp"), new PluginLoadOptions { Level = "sandboxed" });
        var first = WorkerFolders("t.tmp").ShouldHaveSingleItem();
        WorkerTempFolders.TryParse(Path.GetFileName(first), out var hostPid, out _).ShouldBeTrue(first);
        hostPid.ShouldBe(Environment.ProcessId);
        File.WriteAllText(Path.Combine(first, "left-by-the-worker"), "x");

        await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.tmp", "crash"));
        (await Host.InvokeAsync("t.tmp", "ping")).GetString().ShouldBe("pong");

        await UntilAsync(() => !Directory.Exists(first));
        Directory.Exists(first).ShouldBeFalse("the ended worker's folder was left behind");
        WorkerFolders("t.tmp").ShouldHaveSingleItem().ShouldNotBe(first);

        await Host.UnloadAsync("t.tmp");
        WorkerFolders("t.tmp").ShouldBeEmpty();
    }

    [Fact]
    public async Task Load_AfterAHostWasKilled_SweepsItsWorkerFoldersWithoutFollowingLinksAndKeepsALiveHosts()
    {
        using var gone = System.Diagnostics.Process.Start("/bin/true")!;
        await gone.WaitForExitAsync();
        var victim = Directory.CreateDirectory(Path.Combine(Host.Home.Root, "victim")).FullName;
        File.WriteAllText(Path.Combine(victim, "keep"), "precious");
        var stale = Directory.CreateDirectory(Path.Combine(TempRoot, "t.old", $"w-{gone.Id}-12345-1", "tmp")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(stale, "to-victim"), victim);
        var live = new WorkerTempFolders(TempRoot).NewFolder("t.old"); // named for this (running) process
        Directory.CreateDirectory(live);

        await Host.LoadAsync(World.Misbehave("t.sweep"), new PluginLoadOptions { Level = "sandboxed" });

        Directory.Exists(Path.GetDirectoryName(stale)).ShouldBeFalse("the folder of a worker whose host is gone was left behind");
        Directory.Exists(live).ShouldBeTrue("the folder of a running host's worker was removed");
        File.ReadAllText(Path.Combine(victim, "keep")).ShouldBe("precious");
    }

    [Fact]
    public async Task Watchdog_FilesInTheWorkersTemp_CountAgainstTheDiskQuota()
    {
        await Host.LoadAsync(World.Misbehave("t.tmpdisk", resources: "{ memoryMb: 256, openFiles: 128, diskMb: 16, maxFileMb: 16 }"), new PluginLoadOptions { Level = "sandboxed" });
        var folder = WorkerFolders("t.tmpdisk").ShouldHaveSingleItem();

        // 64 MiB apparent in $TEMP, nothing in $PLUGIN_DATA: only the temp folder can put it over its 16 MiB.
        using (var stream = File.Create(Path.Combine(folder, "big.bin")))
        {
            stream.SetLength(64L * 1024 * 1024);
        }

        await UntilAsync(() => _fixture.Saw("t.tmpdisk", PluginEventKind.Killed));
        _fixture.Saw("t.tmpdisk", PluginEventKind.Killed).ShouldBeTrue("the worker was not killed for the files in its temp folder");
    }

    private IReadOnlyList<string> WorkerFolders(string pluginId)
    {
        var folder = Path.Combine(TempRoot, pluginId);
        return Directory.Exists(folder) ? Directory.GetDirectories(folder) : [];
    }

    private static async Task UntilAsync(Func<bool> done)
    {
        // A minute is a bound for a loaded machine (a worker start takes about a second under load), not a measure.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!done() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}
