using System.Diagnostics;
using Stockade.Bench.Harness;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// Worker ready (spawn → <c>initialize</c> answered, through the launcher with Landlock, then seccomp and the canary)
/// against a plain .NET child's spawn → first byte on stdout. The two alternate so load changes hit both alike.
/// </summary>
internal static class StartupBenchmark
{
    public static async Task RunAsync(Report report, int iterations)
    {
        Console.WriteLine($"startup: {iterations} iterations each, alternating");
        var plain = new Samples();
        var worker = new Samples();
        for (var i = -2; i < iterations; i++)
        {
            var p = await PlainChildFirstMessageAsync().ConfigureAwait(false);
            var w = await WorkerReadyAsync().ConfigureAwait(false);
            if (i >= 0)
            {
                plain.AddTicks(p);
                worker.AddTicks(w);
            }
        }

        var ratio = worker.Median / plain.Median;
        report.Add(new Figure("worker ready p50 (launcher+Landlock+seccomp+canary → initialize)", Report.Us(worker.Median),
            $"plain .NET child first message p50 {Report.Us(plain.Median)}", Report.Num(ratio, "F2") + "×", "≤ 1.3×", ratio <= 1.3));
        report.Note($"worker ready p99 {Report.Us(worker.P99)}, plain child p99 {Report.Us(plain.P99)} ({iterations} runs each)");
    }

    private static async Task<long> PlainChildFirstMessageAsync()
    {
        var start = Stopwatch.GetTimestamp();
        using var child = BenchPaths.StartChild("first");
        var buffer = new byte[1];
        var read = await child.StandardOutput.BaseStream.ReadAsync(buffer).ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - start;
        if (read != 1)
        {
            throw new InvalidOperationException($"the plain child wrote nothing: {await child.StandardError.ReadToEndAsync().ConfigureAwait(false)}");
        }

        child.StandardInput.Close();
        await child.WaitForExitAsync().ConfigureAwait(false);
        return elapsed;
    }

    private static async Task<long> WorkerReadyAsync()
    {
        var (info, root) = BenchWorker.Plan();
        var start = Stopwatch.GetTimestamp();
        var worker = await BenchWorker.StartAsync(info, root).ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - start;
        await worker.DisposeAsync().ConfigureAwait(false);
        return elapsed;
    }
}
