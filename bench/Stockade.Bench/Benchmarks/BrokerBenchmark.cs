using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Stockade.Bench.Harness;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.RateLimiting;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// What the broker adds to one brokered call before performing it, as <c>PluginBroker</c> did it before issue 15:
/// the audit reserve check, the dispatch, parse the permission, <c>SandboxPolicy.Check</c> (100 rules), rate limit, and
/// the audit record sequenced into the writer's ordered queue (<c>AuditLog.QueueAsync</c>, with the fault watch the
/// broker attaches) but not awaited into the file. The baseline is the floor of any write-behind log: one request handed to another thread and its answer awaited.
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
            await using var audit = new AuditLog(new AuditLogOptions { Directory = root, Fsync = AuditFsyncPolicy.Interval, ReserveBytes = 64L << 20 });
            using var limiter = new BrokerRateLimiter([new RateRule("network:*", 100_000_000, TimeSpan.FromSeconds(1))]);
            limiter.SetPluginRules("com.example.bench", [new RateRule("network:request=api97.example.com:443", 100_000_000, TimeSpan.FromSeconds(1))]);
            const string Text = "network:request=api97.example.com:443";

            // The worker's audit budget, as PluginBroker counts each performed call's record (issue 14).
            var budget = new AuditBudget(new BudgetOptions { AuditMaxRecordsPerInterval = 100_000_000, AuditMaxKbPerInterval = 1 << 24 }, TimeProvider.System);

            // The former path as PluginBroker had it before issue 15 (fad933f), with its shape: the audit check and the
            // dispatch on the method, then AuthorizeAsync → RateLimitAsync → AuditAllowedAsync, each its own async step.
            // The pipeline side does the same work (same permission, policy, limiter, record, sink) plus the pipeline.
            async ValueTask<JsonElement?> FormerRequestAsync(string method, bool awaitWrite)
            {
                if (audit.AdmissionRefusal is { } refusal)
                {
                    throw new InvalidOperationException($"the bench audit log refuses calls: {refusal}");
                }

                switch (method)
                {
                    case PipelineBench.Method:
                        await FormerAuthorizeAsync(Text, PipelineBench.Action, PipelineBench.Resource, awaitWrite).ConfigureAwait(false);
                        return null;
                    default:
                        throw new InvalidOperationException($"unknown method {method}");
                }
            }

            async ValueTask FormerAuthorizeAsync(string permissionText, string? auditAction, string? resource, bool awaitWrite)
            {
                if (!Permission.TryParse(permissionText, PermissionCatalog.Default, out var permission, out _) || !policy.Check(permission).IsGranted)
                {
                    throw new InvalidOperationException("the benchmark permission is not granted; fix the benchmark");
                }

                await FormerRateLimitAsync(permissionText).ConfigureAwait(false);
                if (auditAction is not null)
                {
                    await FormerAuditAllowedAsync(new AuditEntry(auditAction, AuditDecision.Allow, AuditLayer.Broker)
                    {
                        Plugin = "com.example.bench",
                        Permission = permissionText,
                        Resource = resource,
                    }, awaitWrite).ConfigureAwait(false);
                }
            }

            async ValueTask FormerRateLimitAsync(string permissionText)
            {
                if (limiter.TryAcquire("com.example.bench", permissionText).IsAllowed)
                {
                    return;
                }

                await audit.FlushAsync().ConfigureAwait(false); // where the former path wrote the refusal's record
                throw new InvalidOperationException("the benchmark hit its rate limit; raise it");
            }

            async ValueTask FormerAuditAllowedAsync(AuditEntry entry, bool awaitWrite)
            {
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
                    _ = written.ContinueWith(static (t, _) => throw new InvalidOperationException("bench audit write failed", t.Exception), null, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }

            Func<ValueTask> former = () => PipelineBench.Discard(FormerRequestAsync(PipelineBench.Method, awaitWrite: false));

            var baseline = await HandOffAsync(calls).ConfigureAwait(false);

            // Issue 15: the real pipeline against the former path, in one run, interleaved call by call (former, pipeline,
            // then pipeline, former, ...) so that a drift (the heap, the file growing, the load of a shared machine) falls
            // on both sides alike. Each round starts from an empty audit queue (flushed first): a round queues fewer
            // records than the queue holds, so neither side is measured at the writer's pace once the queue fills.
            // (64 MiB held for audit records, so the reserve check passes with a round's records queued.)
            var (_, pipelineCall) = PipelineBench.Create(policy, audit, limiter);
            var formerRuns = new List<double>();
            var pipelineRuns = new List<double>();
            for (var round = 0; round < 4; round++)
            {
                await audit.FlushAsync().ConfigureAwait(false);
                var (a, b) = await MeasureInterleavedAsync(calls / 2, former, pipelineCall).ConfigureAwait(false);
                formerRuns.Add(a.Median);
                pipelineRuns.Add(b.Median);
            }

            await audit.FlushAsync().ConfigureAwait(false);
            var samples = await MeasureAsync(calls, former).ConfigureAwait(false);
            await audit.FlushAsync().ConfigureAwait(false);
            var awaited = await MeasureAsync(calls, () => PipelineBench.Discard(FormerRequestAsync(PipelineBench.Method, awaitWrite: true))).ConfigureAwait(false);

            report.Add(new Figure("brokered call overhead p50 (parse + check + rate limit + audit queued)", Report.Us(samples.Median),
                $"thread hand-off round trip p50 {Report.Us(baseline.Median)}", Report.Num(samples.Median / baseline.Median, "F1") + "×",
                "≤ 10 µs", samples.Median <= 10));
            var formerMedian = formerRuns.Order().ElementAt(formerRuns.Count / 2);
            var pipelineMedian = pipelineRuns.Order().ElementAt(pipelineRuns.Count / 2);
            report.Add(new Figure("brokered call overhead p50 through the real pipeline (issue 15)", Report.Us(pipelineMedian),
                $"former path (fad933f shape) p50 {Report.Us(formerMedian)}", Report.Num(pipelineMedian / formerMedian, "F2") + "×",
                "≤ 1.05×", pipelineMedian <= formerMedian * 1.05));
            report.Note($"interleaved rounds, p50s: former {string.Join(" / ", formerRuns.Select(Report.Us))}; pipeline {string.Join(" / ", pipelineRuns.Select(Report.Us))}");
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

    // Calls a and b alternately, a first on even steps and b first on odd ones; one set of samples for each.
    private static async Task<(Samples A, Samples B)> MeasureInterleavedAsync(int calls, Func<ValueTask> a, Func<ValueTask> b)
    {
        var samplesA = new Samples();
        var samplesB = new Samples();
        for (var i = -calls / 5; i < calls; i++)
        {
            var aFirst = (i & 1) == 0;
            for (var side = 0; side < 2; side++)
            {
                var isA = (side == 0) == aFirst;
                var start = Stopwatch.GetTimestamp();
                if (isA)
                {
                    await a().ConfigureAwait(false);
                }
                else
                {
                    await b().ConfigureAwait(false);
                }

                var ticks = Stopwatch.GetTimestamp() - start;
                if (i >= 0)
                {
                    (isA ? samplesA : samplesB).AddTicks(ticks);
                }
            }
        }

        return (samplesA, samplesB);
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
