using System.Diagnostics;
using System.Text.Json;
using Eco.Weather;
using Stockade.Bench.Harness;
using Stockade.Hosting;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// Issue 19: a typed contract call (<c>host.GetPlugin&lt;IWeather&gt;(id).ForecastAsync(…)</c>: the input written and the
/// result read with the contract's source-generated metadata, the contract checked) against the same call on the
/// <see cref="JsonElement"/> invoke path (<c>host.InvokeAsync(id, "forecast", element)</c>, JSON in, JSON out), through
/// one <see cref="PluginHost"/> and one confined worker of the weather sample. The two are interleaved in blocks so
/// that load on the machine falls on both alike.
/// </summary>
internal static class ContractBenchmark
{
    // As InvokeBenchmark: both paths warm up long enough for tier-1 recompilation in host and worker to settle.
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(3);

    private const int Block = 10;

    public static async Task RunAsync(Report report, int calls)
    {
        Console.WriteLine($"contracts: {calls} sequential calls each, typed proxy and JsonElement path interleaved");
        var root = BenchPaths.CreateTempRoot("stockade-bench-contracts-");
        var plugin = Path.Combine(root, "plugin");
        var sample = Path.Combine(BenchPaths.RepoRoot, "samples", "plugins", "weather-csharp");
        CopyDirectory(Path.Combine(sample, "bin"), Path.Combine(plugin, "bin"));
        File.Copy(Path.Combine(sample, "plugin.yaml"), Path.Combine(plugin, "plugin.yaml"));
        var host = new PluginHost(new PluginHostOptions { Home = Path.Combine(root, "home"), RuntimeDirectory = AppContext.BaseDirectory });
        try
        {
            var loaded = await host.LoadAsync(plugin).ConfigureAwait(false);
            var weather = host.GetPlugin<IWeather>(loaded.Id);
            var typedInput = new ForecastInput("Lisbon", 3);
            var elementInput = JsonSerializer.SerializeToElement(new { city = "Lisbon", days = 3 });

            var warmUp = Stopwatch.StartNew();
            for (var i = 0; i < calls / 5 || warmUp.Elapsed < WarmUpTime; i++)
            {
                await weather.ForecastAsync(typedInput).ConfigureAwait(false);
                await host.InvokeAsync(loaded.Id, "forecast", elementInput).ConfigureAwait(false);
            }

            var typed = new Samples();
            var element = new Samples();
            for (var done = 0; done < calls; done += Block)
            {
                // Which path goes first alternates, so neither always follows the other's last call.
                var typedFirst = done / Block % 2 == 0;
                for (var pass = 0; pass < 2; pass++)
                {
                    if (typedFirst == (pass == 0))
                    {
                        for (var i = 0; i < Block; i++)
                        {
                            var start = Stopwatch.GetTimestamp();
                            await weather.ForecastAsync(typedInput).ConfigureAwait(false);
                            typed.AddTicks(Stopwatch.GetTimestamp() - start);
                        }
                    }
                    else
                    {
                        for (var i = 0; i < Block; i++)
                        {
                            var start = Stopwatch.GetTimestamp();
                            await host.InvokeAsync(loaded.Id, "forecast", elementInput).ConfigureAwait(false);
                            element.AddTicks(Stopwatch.GetTimestamp() - start);
                        }
                    }
                }
            }

            // What the typed path adds in the host alone: the input written and the result read with the contract's
            // metadata, no worker involved.
            var answer = await host.InvokeAsync(loaded.Id, "forecast", elementInput).ConfigureAwait(false);
            var serialization = Samples.OfBatches(20, 50, 1_000, () =>
            {
                JsonSerializer.SerializeToElement(typedInput, WeatherJson.Default.ForecastInput);
                answer.Deserialize(WeatherJson.Default.Forecast);
            });

            var ratio = typed.Median / element.Median;
            report.Add(new Figure("typed proxy round trip p50 (IWeather.ForecastAsync, confined worker)", Report.Us(typed.Median),
                $"JsonElement invoke path p50 {Report.Us(element.Median)}", Report.Num(ratio, "F2") + "×", "≤ 1.1×", ratio <= 1.1));
            report.Note($"typed proxy p99 {Report.Us(typed.P99)}, JsonElement path p99 {Report.Us(element.P99)} ({typed.Count} calls each, blocks of {Block} interleaved); the typed input written and result read, in the host alone: {Report.Us(serialization.Median)} a call");
        }
        finally
        {
            await host.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(root, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
