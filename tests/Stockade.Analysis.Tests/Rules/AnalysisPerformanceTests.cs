namespace Stockade.Analysis.Tests.Rules;

/// <summary>
/// Analysis of a realistically large plugin folder (more than 5 MB of assemblies) completes and covers every
/// assembly. How fast it is belongs to the benchmark (<c>bench/Stockade.Bench -- analysis</c>, target ≤ 1 s),
/// never to a timed unit test on a shared machine.
/// </summary>
public class AnalysisPerformanceTests
{
    [Fact]
    public void AnalyzeDirectory_FiveMegabytesOfDependencies_AnalyzesEveryAssembly()
    {
        using var plugin = new TempDirectory();
        foreach (var dll in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
        {
            File.Copy(dll, Path.Combine(plugin.Path, Path.GetFileName(dll)));
        }

        File.Copy(typeof(HttpClient).Assembly.Location, Path.Combine(plugin.Path, "System.Net.Http.dll"), overwrite: true);
        var assemblies = Directory.GetFiles(plugin.Path, "*.dll");
        var megabytes = assemblies.Sum(f => new FileInfo(f).Length) / 1024.0 / 1024.0;
        megabytes.ShouldBeGreaterThan(5);

        var report = PluginAnalyzer.AnalyzeDirectory(plugin.Path);

        report.AnalyzedFiles.Count.ShouldBe(assemblies.Length);
        report.Findings.Select(f => f.RuleId).ShouldContain("STK0003");
    }
}
