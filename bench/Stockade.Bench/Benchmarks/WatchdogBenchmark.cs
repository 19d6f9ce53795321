using System.Diagnostics;
using Stockade.Bench.Harness;
using Stockade.Hosting.Monitoring;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// CPU the watchdog spends sampling 50 idle .NET processes (plain children waiting on stdin: the same thread count
/// and /proc footprint as an idle worker) at its default 1 s interval, against the same window with nothing watched:
/// once in the first window after watching starts (2 s in) and once in a steady window 20 s later.
/// </summary>
internal static class WatchdogBenchmark
{
    private static readonly TimeSpan SteadyAfter = TimeSpan.FromSeconds(20);

    public static async Task RunAsync(Report report, int processes, TimeSpan window)
    {
        Console.WriteLine($"watchdog: {processes} idle processes, {window.TotalSeconds:F0} s windows");
        var children = new List<Process>();
        var root = BenchPaths.CreateTempRoot("stockade-bench-watchdog-");
        try
        {
            for (var i = 0; i < processes; i++)
            {
                var child = BenchPaths.StartChild("first");
                await child.StandardOutput.BaseStream.ReadExactlyAsync(new byte[1]).ConfigureAwait(false);
                children.Add(child);
            }

            var idle = await CpuPercentAsync(window).ConfigureAwait(false);
            await using var watchdog = new Watchdog(new WatchdogOptions(), TimeProvider.System, null);
            var watches = children.Select((c, i) =>
            {
                var data = Directory.CreateDirectory(Path.Combine(root, $"p{i}")).FullName;
                return watchdog.Watch($"bench.p{i}", c.Id, data, WatchdogLimits.Default, NoTarget.Instance);
            }).ToList();
            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            var watched = await CpuPercentAsync(window).ConfigureAwait(false);

            // The first window still holds the JIT's tier-up of the sampling code (call counting, instrumented
            // tier, tier 1: profiled at about half the cost there); a long-running host pays the steady window.
            await Task.Delay(SteadyAfter).ConfigureAwait(false);
            var steady = await CpuPercentAsync(window).ConfigureAwait(false);
            foreach (var watch in watches)
            {
                watch.Dispose();
            }

            var cost = Math.Max(0, watched - idle);
            report.Add(new Figure($"watchdog sampling {processes} idle workers (1 s interval)", Report.Num(cost, "F2") + " % of one core",
                $"same window unwatched {Report.Num(idle, "F2")} %", Report.Num(watched / Math.Max(idle, 0.01), "F1") + "×",
                "< 2 % of one core", cost < 2));
            var steadyCost = Math.Max(0, steady - idle);
            report.Add(new Figure($"watchdog sampling {processes} idle workers, steady (window from {(2 + window.TotalSeconds + SteadyAfter.TotalSeconds):F0} s after watching)",
                Report.Num(steadyCost, "F2") + " % of one core", $"same window unwatched {Report.Num(idle, "F2")} %",
                Report.Num(steady / Math.Max(idle, 0.01), "F1") + "×", "< 2 % of one core", steadyCost < 2));
        }
        finally
        {
            foreach (var child in children)
            {
                child.StandardInput.Close();
                if (!child.WaitForExit(2000))
                {
                    child.Kill();
                }

                child.Dispose();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<double> CpuPercentAsync(TimeSpan window)
    {
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(window).ConfigureAwait(false);
        self.Refresh();
        return (self.TotalProcessorTime - cpuBefore).TotalSeconds / Stopwatch.GetElapsedTime(start).TotalSeconds * 100;
    }

    private sealed class NoTarget : IWatchdogTarget
    {
        public static NoTarget Instance { get; } = new();

        public void Throttle(ThrottleRequest request) => throw new InvalidOperationException($"an idle process was throttled: {request.PluginId}");

        public void Kill(KillRequest request) => throw new InvalidOperationException($"an idle process was killed: {request.PluginId}");
    }
}
