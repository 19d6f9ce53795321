using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Stockade.Bench.Harness;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// Audit append with the hash chain (Fsync=Interval) against writing the same number of similar JSON lines, each
/// hashed with SHA-256, to a plain file: the cost of the log's own machinery over the bytes it must write.
/// </summary>
internal static class AuditBenchmark
{
    public static async Task RunAsync(Report report, int records)
    {
        Console.WriteLine($"audit: {records} records");
        var root = BenchPaths.CreateTempRoot("stockade-bench-audit-");
        try
        {
            var baseline = RawChainedLines(Path.Combine(root, "raw.jsonl"), records);
            var perSecond = 0.0;
            for (var round = 0; round < 3; round++)
            {
                perSecond = Math.Max(perSecond, await AuditAppendAsync(Path.Combine(root, $"audit{round}"), records).ConfigureAwait(false));
            }

            report.Add(new Figure("audit append with chain, Fsync=Interval (best of 3)", Report.Num(perSecond) + " records/s",
                $"plain file + SHA-256 per line {Report.Num(baseline)} lines/s", Report.Num(perSecond / baseline, "F2") + "×",
                "≥ 100,000 records/s", perSecond >= 100_000));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    public static AuditEntry Entry(int i) => new("host.http.request", AuditDecision.Allow, AuditLayer.Broker)
    {
        Plugin = "com.example.bench",
        Permission = "network:request=api.example.com:443",
        Resource = $"https://api.example.com/v1/items/{i}",
    };

    private static async Task<double> AuditAppendAsync(string directory, int records)
    {
        await using var log = new AuditLog(new AuditLogOptions { Directory = directory, Fsync = AuditFsyncPolicy.Interval });
        for (var i = 0; i < 1000; i++)
        {
            log.Append(Entry(i));
        }

        await log.FlushAsync().ConfigureAwait(false);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < records; i++)
        {
            log.Append(Entry(i));
        }

        await log.FlushAsync().ConfigureAwait(false);
        return records / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double RawChainedLines(string path, int records)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
        Span<byte> previous = stackalloc byte[32];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < records; i++)
        {
            var line = Encoding.UTF8.GetBytes(
                $$"""{"seq":{{i}},"ts":"2026-01-01T00:00:00.000Z","action":"host.http.request","decision":"allow","layer":"broker","plugin":"com.example.bench","permission":"network:request=api.example.com:443","resource":"https://api.example.com/v1/items/{{i}}","prev":"{{Convert.ToHexStringLower(previous)}}"}""" + "\n");
            SHA256.HashData(line, previous);
            file.Write(line);
        }

        file.Flush(flushToDisk: true);
        return records / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
