using Stockade.Bench.Harness;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Bench.Benchmarks;

/// <summary><c>SandboxPolicy.Check</c> with 100 granted rules against a dictionary lookup of the permission's text.</summary>
internal static class PolicyBenchmark
{
    public const int Rules = 100;

    public static SandboxPolicy BuildPolicy()
    {
        var declared = Enumerable.Range(0, Rules).Select(i => (i % 4) switch
        {
            0 => $"file:read=/srv/data{i}/**",
            1 => $"network:request=api{i}.example.com:443",
            2 => $"env:read=VAR_{i}",
            _ => $"file:write=/var/lib/app{i}/**",
        }).ToArray();
        var yaml = "id: com.example.bench\nname: Bench\nversion: 1.0.0\nruntime: dotnet\nentry: P.dll\npermissions:\n  required:\n"
            + string.Concat(declared.Select(r => $"    - \"{r}\"\n"));
        var parsed = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml);
        var manifest = parsed.Manifest ?? throw new InvalidOperationException(string.Join("; ", parsed.Diagnostics));
        var now = DateTimeOffset.UtcNow;
        var grants = declared.Select(d => new Grant(Permission.Parse(d), true, now, "bench")).ToArray();
        var context = new PolicyContext
        {
            AliasValues = PolicyContext.StandardAliases("/home/u/.stockade", "com.example.bench", "/home/u/.stockade/plugins/com.example.bench/1.0.0"),
        };
        return PolicyBuilder.Build(manifest, grants, context);
    }

    public static void Run(Report report)
    {
        Console.WriteLine($"policy: SandboxPolicy.Check with {Rules} rules");
        var policy = BuildPolicy();
        var granted = Permission.Parse("file:read=/srv/data96/reports/2026/q1.csv");
        var network = Permission.Parse("network:request=api97.example.com:443");
        var undeclared = Permission.Parse("file:read=/etc/shadow");
        if (policy.Check(granted).Kind != DecisionKind.Granted || policy.Check(network).Kind != DecisionKind.Granted
            || policy.Check(undeclared).Kind != DecisionKind.NotDeclared)
        {
            throw new InvalidOperationException("the benchmark policy does not decide as expected; fix the benchmark before trusting its figures");
        }

        var table = policy.Granted.ToDictionary(p => p.ToString(), p => p, StringComparer.Ordinal);
        var key = "file:read=/srv/data96/**";

        // Steady state: run every measured path for half a second first, so that tiered compilation has replaced
        // the first-tier code before timing (a run of a few hundred ms otherwise times partly unoptimised code).
        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 500)
        {
            for (var i = 0; i < 1000; i++)
            {
                policy.Check(granted);
                policy.Check(network);
                policy.Check(undeclared);
                table.TryGetValue(key, out _);
            }
        }
        var baseline = Samples.OfBatches(20, 400, 1000, () => table.TryGetValue(key, out _));
        foreach (var (name, permission) in new[] { ("granted file (deep path)", granted), ("granted network", network), ("not declared", undeclared) })
        {
            var check = Samples.OfBatches(20, 400, 1000, () => policy.Check(permission));
            var ns = check.Median * 1000;
            report.Add(new Figure($"SandboxPolicy.Check, {Rules} rules, {name} p50", Report.Num(ns, "F0") + " ns",
                $"Dictionary<string,…> lookup p50 {Report.Num(baseline.Median * 1000, "F0")} ns", Report.Num(check.Median / baseline.Median, "F1") + "×",
                "≤ 200 ns", ns <= 200));
        }
    }
}
