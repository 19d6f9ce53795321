using System.Diagnostics;
using Xunit.Abstractions;

namespace Stockade.Analysis.Tests.Rules;

public class AnalysisPerformanceTests(ITestOutputHelper output)
{
    // Target: 1 s for ~5 MB of plugin plus dependencies. Measured as CPU time of the analysing thread, because
    // wall time on this shared two-core machine mostly measures the other builds; both are printed.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    [Fact]
    public void AnalyzeDirectory_FiveMegabytesOfDependencies_StaysWithinBudget()
    {
        using var plugin = new TempDirectory();
        foreach (var dll in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
        {
            File.Copy(dll, Path.Combine(plugin.Path, Path.GetFileName(dll)));
        }

        File.Copy(typeof(HttpClient).Assembly.Location, Path.Combine(plugin.Path, "System.Net.Http.dll"), overwrite: true);
        var megabytes = Directory.EnumerateFiles(plugin.Path).Sum(f => new FileInfo(f).Length) / 1024.0 / 1024.0;
        megabytes.ShouldBeGreaterThan(5);

        var (report, coldWall, coldCpu) = Measure(plugin.Path);
        var (_, warmWall, warmCpu) = Measure(plugin.Path);

        output.WriteLine($"{report.AnalyzedFiles.Count} assemblies, {megabytes:F1} MB: cold {coldCpu.TotalMilliseconds:F0} ms CPU ({coldWall.TotalMilliseconds:F0} ms wall), warm {warmCpu.TotalMilliseconds:F0} ms CPU ({warmWall.TotalMilliseconds:F0} ms wall), {report.Findings.Count} findings (+{report.SuppressedFindingCount} over the per-rule cap)");
        report.Findings.Select(f => f.RuleId).ShouldContain("STK0003");
        warmCpu.ShouldBeLessThan(Budget);
    }

    private static (AnalysisReport Report, TimeSpan Wall, TimeSpan Cpu) Measure(string folder)
    {
        var cpuBefore = ThreadCpuTime();
        var wall = Stopwatch.StartNew();
        var report = PluginAnalyzer.AnalyzeDirectory(folder);
        wall.Stop();
        return (report, wall.Elapsed, ThreadCpuTime() - cpuBefore);
    }

    // First field of /proc/thread-self/schedstat: nanoseconds this thread spent on a CPU.
    private static TimeSpan ThreadCpuTime() =>
        TimeSpan.FromTicks(long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 100);
}
