using System.Diagnostics;
using System.Text.Json;
using Stockade.Hosting.Tests.Broker.Http;

namespace Stockade.Hosting.Tests.Host;

/// <summary>Runs the host-memory tests one at a time, after the parallel ones, so one process's memory is theirs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Issue14MemoryCollection
{
    public const string Name = "Issue 14 host memory";
}

/// <summary>
/// Issue 14, class 8: the host's memory is bounded whatever a plugin sends — one stderr line without
/// a newline, many maximal frames from several plugins at once, brokered answers a plugin never reads.
/// The bound asserted is the host's peak resident growth while the attack runs (generous: 256 MiB,
/// where today's code grows by several times the bytes sent).
/// </summary>
[Trait("Issue", "14")]
[Collection(Issue14MemoryCollection.Name)]
public abstract class Issue14MemoryBudgetTests : IAsyncLifetime
{
    private const long BoundBytes = 256L * 1024 * 1024;
    private readonly int? _workerUid;
    private readonly string _level;
    private readonly HostWorld _world = new();
    private readonly LoopbackHttpServer _server = new(_ => new ServerResponse(200, new byte[4 * 1024 * 1024]));
    private PluginHost _host = null!;

    protected Issue14MemoryBudgetTests(int? workerUid, string level)
    {
        _workerUid = workerUid;
        _level = level;
    }

    public async Task InitializeAsync()
    {
        _host = new PluginHost(new PluginHostOptions
        {
            Home = _world.Home,
            WorkerUserId = _workerUid,
            WorkerGroupId = _workerUid,
            Watchdog = new Monitoring.WatchdogOptions { Interval = TimeSpan.FromMilliseconds(200), ThrottleAfter = 3, KillAfter = 10, DiskEvery = 1 },
        });
        await _host.LoadAsync(StrictSigning.ForLevel(_host, _world.Misbehave("t.benign-mem"), _level), new PluginLoadOptions { Level = _level, Grants = ["file:write=$PLUGIN_DATA/**"] });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
        _world.Dispose();
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("py")]
    public async Task StderrLine_HalfAGibibyteWithoutNewline_HostMemoryStaysBounded(string language)
    {
        var id = await LoadHostileAsync(language, "t.stderr-" + language, []);

        var growth = await PeakGrowthWhileAsync(() => _host.InvokeAsync(id, "stderrFlood", HostWorld.Json(language == "cs" ? new { port = 512 } : (object)new { mb = 512 })));

        growth.ShouldBeLessThan(BoundBytes, $"the host grew by {growth / 1024 / 1024} MiB reading one 512 MiB stderr line");
        await HostServesBenignPluginAsync();
    }

    [Fact]
    public async Task MaximalFrames_EightPluginsAtOnce_HostMemoryStaysBounded()
    {
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await LoadHostileAsync("py", $"t.frames-{i}", []));
        }

        var growth = await PeakGrowthWhileAsync(() => Task.WhenAll(ids.Select(id =>
            _host.InvokeAsync(id, "maximalFrames", HostWorld.Json(new { count = 8 })))));

        growth.ShouldBeLessThan(BoundBytes, $"the host grew by {growth / 1024 / 1024} MiB while eight plugins sent 16 MiB frames");
        await HostServesBenignPluginAsync();
    }

    [Fact]
    public async Task BrokerAnswers_NeverRead_HostMemoryStaysBounded()
    {
        var grant = $"network:request=127.0.0.1:{_server.Port}";
        var id = await LoadHostileAsync("py", "t.unread", [grant]);

        // 100 answers of 4 MiB (more in base64) for a plugin limited to 128 MB, none read for 20 s.
        var growth = await PeakGrowthWhileAsync(() => _host.InvokeAsync(id, "unreadAnswers",
            HostWorld.Json(new { count = 100, url = $"http://127.0.0.1:{_server.Port}/big", seconds = 20 })));

        growth.ShouldBeLessThan(BoundBytes, $"the host grew by {growth / 1024 / 1024} MiB holding answers a plugin never read");
        await HostServesBenignPluginAsync();
    }

    // Samples the host's resident size every 50 ms while the attack runs; a failed or ended plugin is fine, a host that grows is not.
    private static async Task<long> PeakGrowthWhileAsync(Func<Task> attack)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var baseline = self.WorkingSet64;
        var peak = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                await Task.Delay(50, CancellationToken.None);
            }
        });
        var run = attack();
        try
        {
            (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(3)))).ShouldBe(run, "the attack did not end within 3 minutes");
            await run;
        }
        catch (PluginException)
        {
            // The host may end or refuse the offender; that is containment.
        }
        finally
        {
            await stop.CancelAsync();
            await sampler;
        }

        return peak - baseline;
    }

    private async Task<string> LoadHostileAsync(string language, string id, string[] extraGrants)
    {
        var permissions = string.Concat(extraGrants.Select(g => $"\n    - permission: {g}\n      reason: tests"));
        var folder = language == "cs"
            ? _world.Plugin("hostile-csharp", id, $"""
                runtime: dotnet
                entry: bin/HostilePlugin.dll
                entryType: Samples.Hostile.HostilePlugin
                timeouts: {"{"} init: 30s, call: 150s, hook: 5s {"}"}
                permissions:
                  required:
                    - permission: file:write=$PLUGIN_DATA/**
                      reason: tests{permissions}
                resources: {"{"} memoryMb: 256, openFiles: 128 {"}"}
                """)
            : _world.Plugin("hostile-python", id, $"""
                runtime: process
                entry: plugin.py
                interpreter: /usr/bin/python3
                timeouts: {"{"} init: 30s, call: 150s, hook: 5s {"}"}
                permissions:
                  required:
                    - permission: file:write=$PLUGIN_DATA/**
                      reason: tests{permissions}
                resources: {"{"} memoryMb: 128, openFiles: 64 {"}"}
                """);
        await _host.LoadAsync(StrictSigning.ForLevel(_host, folder, _level), new PluginLoadOptions { Level = _level, Grants = ["file:write=$PLUGIN_DATA/**", .. extraGrants] });
        return id;
    }

    private async Task HostServesBenignPluginAsync() =>
        (await _host.InvokeAsync("t.benign-mem", "ping")).GetString().ShouldBe("pong", "the host no longer serves a benign plugin");
}

public sealed class Issue14MemoryBudgetRootSandboxedTests() : Issue14MemoryBudgetTests(null, "sandboxed");

public sealed class Issue14MemoryBudgetNobodyStrictTests() : Issue14MemoryBudgetTests(65534, "strict");
