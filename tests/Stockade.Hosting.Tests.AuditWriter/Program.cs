using System.Diagnostics;
using System.Globalization;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

// Usage:
//   append <home> <count> <tag>       append <count> records to <home>/audit with the store as head (exit 0)
//   kv <home> <count> <tag>           write <count> key-value entries for plugin "shared" (exit 0)
//   open-store <home>                 open the store and write a plugin; exit 3 with the StoreException message
//   bench <dir> <count> <fsync>       append <count> records fire-and-forget, print records/s
//   host <home> <runtime> <plugin>... load every plugin folder in one PluginHost, print "ready", wait to be killed
//   probe-writers <audit dir>         print whether AuditLog.IsOpenByAWriter says a writer has the folder open
return args switch
{
    ["append", var home, var count, var tag] => await AppendAsync(home, int.Parse(count, CultureInfo.InvariantCulture), tag),
    ["kv", var home, var count, var tag] => WriteKeyValues(home, int.Parse(count, CultureInfo.InvariantCulture), tag),
    ["open-store", var home] => OpenStore(home),
    ["probe-writers", var dir] => ProbeWriters(dir),
    ["bench", var dir, var count, var fsync] => await BenchAsync(dir, int.Parse(count, CultureInfo.InvariantCulture), Enum.Parse<AuditFsyncPolicy>(fsync, ignoreCase: true)),
    ["host", var home, var runtime, .. var plugins] when plugins.Length > 0 => await HostAsync(home, runtime, plugins),
    _ => Usage(),
};

static int ProbeWriters(string dir)
{
    Console.WriteLine(AuditLog.IsOpenByAWriter(dir) ? "True" : "False");
    return 0;
}

static async Task<int> HostAsync(string home, string runtime, string[] plugins)
{
    var host = new Stockade.Hosting.PluginHost(new Stockade.Hosting.PluginHostOptions { Home = home, RuntimeDirectory = runtime });
    foreach (var plugin in plugins)
    {
        await host.LoadAsync(plugin);
    }

    Console.WriteLine("ready");
    await Task.Delay(Timeout.Infinite);
    return 0;
}

static async Task<int> AppendAsync(string home, int count, string tag)
{
    using var store = new StockadeStore(home);
    await using var log = new AuditLog(new AuditLogOptions { Directory = Path.Combine(home, "audit"), Fsync = AuditFsyncPolicy.Never }, store);
    var pending = new List<Task>(count);
    for (var i = 0; i < count; i++)
    {
        var entry = new AuditEntry(AuditActions.ServiceCall, AuditDecision.Allow, AuditLayer.Broker)
        {
            Plugin = tag,
            Details = new Dictionary<string, string> { ["i"] = i.ToString(CultureInfo.InvariantCulture) },
        };
        pending.Add(log.AppendAsync(entry).AsTask());
    }

    await Task.WhenAll(pending);
    return 0;
}

static int WriteKeyValues(string home, int count, string tag)
{
    using var store = new StockadeStore(home);
    for (var i = 0; i < count; i++)
    {
        var result = store.SetValue("shared", "ns", $"{tag}-{i}", new byte[] { 1, 2, 3 });
        if (result != KvWriteResult.Written)
        {
            Console.Error.WriteLine($"write {i}: {result}");
            return 1;
        }
    }

    return 0;
}

static int OpenStore(string home)
{
    try
    {
        using var store = new StockadeStore(home);
        store.UpsertPlugin(new PluginRecord("probe", "1.0.0", home, DateTimeOffset.UtcNow, "sha256:0", true, null));
        return 0;
    }
    catch (StoreException ex)
    {
        Console.WriteLine(ex.Message);
        return 3;
    }
}

static async Task<int> BenchAsync(string dir, int count, AuditFsyncPolicy fsync)
{
    var entry = new AuditEntry(AuditActions.NetworkRequest, AuditDecision.Allow, AuditLayer.Broker)
    {
        Plugin = "com.example.bench",
        Permission = "network:request=*.example.com:443",
        Resource = "https://api.example.com/v1/items",
        Details = new Dictionary<string, string> { ["method"] = "GET", ["status"] = "200" },
    };

    // Warm up (JIT, file creation), then measure a fresh run in the same folder: the chain continues.
    await using (var warm = new AuditLog(new AuditLogOptions { Directory = dir, Fsync = fsync }))
    {
        for (var i = 0; i < 20_000; i++)
        {
            warm.Append(entry);
        }
    }

    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var stopwatch = Stopwatch.StartNew();
    await using (var log = new AuditLog(new AuditLogOptions { Directory = dir, Fsync = fsync }))
    {
        for (var i = 0; i < count; i++)
        {
            log.Append(entry);
        }

        await log.FlushAsync();
    }

    stopwatch.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore; // load-independent on a shared machine
    var verify = AuditVerifier.Verify(dir);
    Console.WriteLine($"{count} records in {stopwatch.Elapsed.TotalMilliseconds:0} ms = {count / stopwatch.Elapsed.TotalSeconds:0} records/s wall, {count / cpu.TotalSeconds:0} records per CPU-second (fsync {fsync}); verify: {(verify.Ok ? "ok" : verify.Problem)}, {verify.Records} records");
    return verify.Ok ? 0 : 8;
}

static int Usage()
{
    Console.Error.WriteLine("usage: append <home> <count> <tag> | kv <home> <count> <tag> | open-store <home> | bench <dir> <count> <interval|always|never> | host <home> <runtime> <plugin>...");
    return 1;
}
