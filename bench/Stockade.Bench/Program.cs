using System.Globalization;
using Stockade.Bench.Benchmarks;
using Stockade.Bench.Harness;

// dotnet run -c Release --project bench/Stockade.Bench -- all [--out file.md] [--aot-plugin DIR]
// or any of: startup invoke contracts audit policy broker watchdog analysis memory peers [--quick]
string[] all = ["startup", "invoke", "contracts", "audit", "policy", "broker", "watchdog", "analysis", "memory", "peers"];
string[] withValue = ["--out", "--aot-plugin"];
var selected = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !withValue.Contains(args[i - 1]))).ToList();
var quick = args.Contains("--quick");
var outIndex = Array.IndexOf(args, "--out");
var outFile = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : null;
var aotIndex = Array.IndexOf(args, "--aot-plugin");
var aotPlugin = aotIndex >= 0 && aotIndex + 1 < args.Length ? Path.GetFullPath(args[aotIndex + 1]) : Environment.GetEnvironmentVariable("STOCKADE_BENCH_AOT_PLUGIN");
if (string.IsNullOrEmpty(aotPlugin) && File.Exists(Path.Combine(BenchPaths.DefaultAotPluginDirectory, "plugin.yaml")))
{
    aotPlugin = BenchPaths.DefaultAotPluginDirectory;
}

if (!string.IsNullOrEmpty(aotPlugin) && !File.Exists(Path.Combine(aotPlugin, "plugin.yaml")))
{
    Console.Error.WriteLine($"--aot-plugin {aotPlugin}: no plugin.yaml there; give the folder of a published NativeAOT plugin (its manifest and binary).");
    return 2;
}

BenchPaths.AotPluginDirectory = string.IsNullOrEmpty(aotPlugin) ? null : aotPlugin;
if (selected.Count == 0 || selected.Contains("all"))
{
    selected = [.. all];
}

var unknown = selected.Except(all).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown benchmark(s): {string.Join(", ", unknown)}; choose from: all, {string.Join(", ", all)}");
    return 2;
}

var loadBefore = BenchPaths.LoadAverage();
Console.WriteLine($"Stockade benchmarks ({BenchPaths.Configuration}), {Environment.ProcessorCount} cores, load average {loadBefore}");
var report = new Report();
var started = DateTimeOffset.UtcNow;
foreach (var name in selected)
{
    switch (name)
    {
        case "startup":
            await StartupBenchmark.RunAsync(report, quick ? 8 : 30);
            break;
        case "invoke":
            await InvokeBenchmark.RunAsync(report, quick ? 5_000 : 20_000);
            break;
        case "contracts":
            await ContractBenchmark.RunAsync(report, quick ? 4_000 : 20_000);
            break;
        case "audit":
            await AuditBenchmark.RunAsync(report, quick ? 100_000 : 300_000);
            break;
        case "policy":
            PolicyBenchmark.Run(report);
            break;
        case "broker":
            await BrokerBenchmark.RunAsync(report, quick ? 5_000 : 20_000);
            break;
        case "watchdog":
            await WatchdogBenchmark.RunAsync(report, 50, TimeSpan.FromSeconds(quick ? 5 : 10));
            break;
        case "analysis":
            AnalysisBenchmark.Run(report);
            break;
        case "memory":
            await MemoryBenchmark.RunAsync(report, 50, TimeSpan.FromSeconds(quick ? 1 : 3));
            break;
        case "peers":
            await PeersBenchmark.RunAsync(report, quick ? 8 : 20, quick ? 5_000 : 20_000);
            break;
    }
}

var header = string.Create(CultureInfo.InvariantCulture,
    $"Run {started:yyyy-MM-dd HH:mm} UTC, {BenchPaths.Configuration}, {Environment.ProcessorCount} cores, /proc/loadavg before: `{loadBefore}`, after: `{BenchPaths.LoadAverage()}`, {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s");
var markdown = report.ToMarkdown(header);
Console.WriteLine();
Console.WriteLine(markdown);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, markdown);
}

return 0;
