using System.Diagnostics;
using Stockade.Analysis;
using Stockade.Bench.Harness;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// <c>PluginAnalyzer.AnalyzeDirectory</c> on a plugin folder holding a managed assembly of about 5 MB (the smallest
/// framework assembly of at least 5 MB, copied), against reading the same bytes from the page cache.
/// </summary>
internal static class AnalysisBenchmark
{
    public static void Run(Report report)
    {
        var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var source = Directory.EnumerateFiles(frameworkDir, "*.dll")
            .Select(f => new FileInfo(f))
            .Where(f => f.Length >= 5_000_000)
            .OrderBy(f => f.Length)
            .FirstOrDefault() ?? throw new InvalidOperationException($"no framework assembly of 5 MB or more in {frameworkDir}");
        Console.WriteLine($"analysis: {source.Name} ({source.Length / 1_000_000.0:F1} MB)");
        var dir = BenchPaths.CreateTempRoot("stockade-bench-analysis-");
        try
        {
            var copy = Path.Combine(dir, "Plugin.dll");
            File.Copy(source.FullName, copy);
            var read = new Samples();
            var analyse = new Samples();
            AnalysisReport? last = null;
            for (var i = -1; i < 5; i++)
            {
                var start = Stopwatch.GetTimestamp();
                _ = File.ReadAllBytes(copy);
                var mid = Stopwatch.GetTimestamp();
                last = PluginAnalyzer.AnalyzeDirectory(dir);
                var end = Stopwatch.GetTimestamp();
                if (i >= 0)
                {
                    read.AddTicks(mid - start);
                    analyse.AddTicks(end - mid);
                }
            }

            if (last is null || last.SkippedFiles.Count > 0)
            {
                throw new InvalidOperationException("the analyser skipped the benchmark assembly; fix the benchmark");
            }

            var ms = analyse.Median / 1000;
            report.Add(new Figure($"analysis of a {source.Length / 1_000_000.0:F1} MB plugin assembly p50", Report.Us(analyse.Median),
                $"reading its bytes p50 {Report.Us(read.Median)}", Report.Num(analyse.Median / read.Median, "F0") + "×", "≤ 1 s", ms <= 1000));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
