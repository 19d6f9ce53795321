using System.Diagnostics;
using System.Threading.Channels;
using Stockade.Bench.Harness;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.RateLimiting;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// What the broker adds to one brokered call before performing it, as <c>PluginBroker.AuthorizeAsync</c> does it:
/// parse the permission, <c>SandboxPolicy.Check</c> (100 rules), rate limit, and the audit record sequenced into the
/// writer's ordered queue (<c>AuditLog.QueueAsync</c>, with the fault watch the broker attaches) but not awaited into the
/// file. The baseline is the floor of any write-behind log: one request handed to another thread and its answer awaited.
/// A last figure keeps the former path (record awaited into the file) for comparison in the same run.
/// </summary>
internal static class BrokerBenchmark
{
    public static async Task RunAsync(Report report, int calls)
    {
        Console.WriteLine($"broker: {calls} sequential authorisations");
        var policy = PolicyBenchmark.BuildPolicy();
        var root = BenchPaths.CreateTempRoot("stockade-bench-broker-");
        try
        {
            await using var audit = new AuditLog(new AuditLogOptions { Directory = root, Fsync = AuditFsyncPolicy.Interval });
            using var limiter = new BrokerRateLimiter([new RateRule("network:*", 100_000_000, TimeSpan.FromSeconds(1))]);
            limiter.SetPluginRules("com.example.bench", [new RateRule("network:request=api97.example.com:443", 100_000_000, TimeSpan.FromSeconds(1))]);
            const string Text = "network:request=api97.example.com:443";

            // The worker's audit budget, as PluginBroker counts each performed call's record (issue 14).
            var budget = new AuditBudget(new BudgetOptions { AuditMaxRecordsPerInterval = 100_000_000, AuditMaxKbPerInterval = 1 << 24 }, TimeProvider.System);

            async ValueTask AuthorizeAsync(bool awaitWrite)
            {
                if (!Permission.TryParse(Text, PermissionCatalog.Default, out var permission, out _) || !policy.Check(permission).IsGranted)
                {
                    throw new InvalidOperationException("the benchmark permission is not granted; fix the benchmark");
                }

                if (!limiter.TryAcquire("com.example.bench", Text).IsAllowed)
                {
                    throw new InvalidOperationException("the benchmark hit its rate limit; raise it");
                }

                var entry = new AuditEntry("host.http.request", AuditDecision.Allow, AuditLayer.Broker)
                {
                    Plugin = "com.example.bench",
                    Permission = Text,
                    Resource = "https://api97.example.com/v1/items",
                };
                if (budget.Admit(entry, summarisable: false) != AuditAdmission.Write)
                {
                    throw new InvalidOperationException("the benchmark passed its audit budget; raise it");
                }

                if (awaitWrite)
                {
                    await audit.AppendAsync(entry).ConfigureAwait(false);
                    return;
                }

                var written = await audit.QueueAsync(entry).ConfigureAwait(false);
                if (!written.IsCompleted)
                {
                    _ = written.ContinueWith(static t => throw new InvalidOperationException("bench audit write failed", t.Exception), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }

            var baseline = await HandOffAsync(calls).ConfigureAwait(false);

            // Issue 15: the real pipeline against the hand-written former path, alternated A B A B in this run.
            var (_, pipelineCall) = PipelineBench.Create(policy, audit, limiter);
            var formerRuns = new List<double>();
            var pipelineRuns = new List<double>();
            for (var round = 0; round < 4; round++)
            {
                formerRuns.Add((await MeasureAsync(calls, () => AuthorizeAsync(awaitWrite: false)).ConfigureAwait(false)).Median);
                pipelineRuns.Add((await MeasureAsync(calls, pipelineCall).ConfigureAwait(false)).Median);
            }

            var samples = await MeasureAsync(calls, () => AuthorizeAsync(awaitWrite: false)).ConfigureAwait(false);
            await audit.FlushAsync().ConfigureAwait(false);
            var awaited = await MeasureAsync(calls, () => AuthorizeAsync(awaitWrite: true)).ConfigureAwait(false);

            report.Add(new Figure("brokered call overhead p50 (parse + check + rate limit + audit queued)", Report.Us(samples.Median),
                $"thread hand-off round trip p50 {Report.Us(baseline.Median)}", Report.Num(samples.Median / baseline.Median, "F1") + "×",
                "≤ 10 µs", samples.Median <= 10));
            var formerMedian = formerRuns.Order().ElementAt(formerRuns.Count / 2);
            var pipelineMedian = pipelineRuns.Order().ElementAt(pipelineRuns.Count / 2);
            report.Add(new Figure("brokered call overhead p50 through the real pipeline (issue 15)", Report.Us(pipelineMedian),
                $"hand-written former path p50 {Report.Us(formerMedian)}", Report.Num(pipelineMedian / formerMedian, "F2") + "×",
                "≤ 1.05×", pipelineMedian <= formerMedian * 1.05));
            report.Note($"A B A B p50s: former {string.Join(" / ", formerRuns.Select(Report.Us))}; pipeline {string.Join(" / ", pipelineRuns.Select(Report.Us))}");
            report.Note($"brokered call overhead p99 {Report.Us(samples.P99)}; with the record awaited into the file (the former path) p50 {Report.Us(awaited.Median)}, p99 {Report.Us(awaited.P99)}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<Samples> MeasureAsync(int calls, Func<ValueTask> call)
    {
        var samples = new Samples();
        for (var i = -calls / 5; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call().ConfigureAwait(false);
            if (i >= 0)
            {
                samples.AddTicks(Stopwatch.GetTimestamp() - start);
            }
        }

        return samples;
    }

    private static async Task<Samples> HandOffAsync(int calls)
    {
        var channel = Channel.CreateUnbounded<TaskCompletionSource>(new UnboundedChannelOptions { SingleReader = true });
        var consumer = Task.Run(async () =>
        {
            await foreach (var item in channel.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                item.TrySetResult();
            }
        });
        var samples = new Samples();
        for (var i = -calls / 5; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            channel.Writer.TryWrite(done);
            await done.Task.ConfigureAwait(false);
            if (i >= 0)
            {
                samples.AddTicks(Stopwatch.GetTimestamp() - start);
            }
        }

        channel.Writer.Complete();
        await consumer.ConfigureAwait(false);
        return samples;
    }
}
