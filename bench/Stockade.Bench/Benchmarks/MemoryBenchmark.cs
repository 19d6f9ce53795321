using Stockade.Bench.Harness;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// Idle memory (issue 19, item 3): PSS and RSS from <c>/proc/&lt;pid&gt;/smaps_rollup</c> of one idle process of each
/// kind, then of N idle processes of one kind alive together (the mean PSS, what each costs the machine when many run),
/// with the plain .NET child and its NativeAOT build as the same-run references. Each kind is started, answers once,
/// then is left idle for a settle time (the worker prepares its first call after answering) before it is read.
/// </summary>
internal static class MemoryBenchmark
{
    // The targets, in MB = 10^6 bytes, compared in KiB.
    private const double JitTargetKb = 15e6 / 1024;
    private const double AotTargetKb = 5e6 / 1024;

    public static async Task RunAsync(Report report, int fleet, TimeSpan settle)
    {
        var kinds = new List<IdleKind> { IdleKind.PlainChild, IdleKind.PlainAotChild, IdleKind.HelloWorker, IdleKind.RpcChild };
        var aot = AotPluginKind(report);
        if (aot is not null)
        {
            kinds.Add(aot);
        }

        Console.WriteLine($"memory: one idle process of each kind, then {fleet} of each together, read {settle.TotalSeconds:F0} s after the last answered");
        var single = new Dictionary<IdleKind, MemoryUse>();
        var many = new Dictionary<IdleKind, MemoryUse>();
        var failed = new Dictionary<IdleKind, string>();
        foreach (var kind in kinds)
        {
            try
            {
                single[kind] = (await MeasureAsync(report, kind, 1, settle).ConfigureAwait(false))[0];
                var uses = await MeasureAsync(report, kind, fleet, settle).ConfigureAwait(false);
                many[kind] = MemoryUse.Mean(uses);
                Console.WriteLine($"  {kind.Name}: one idle {single[kind]}; mean of {fleet}: {many[kind]}");
            }
            catch (Exception e)
            {
                failed[kind] = e.Message;
                report.Note($"memory of {kind.Name}: not measured ({FirstLine(e.Message)})");
            }
        }

        if (!single.TryGetValue(IdleKind.PlainChild, out var plain) || !many.TryGetValue(IdleKind.PlainChild, out var plainMany))
        {
            return;
        }

        if (single.TryGetValue(IdleKind.HelloWorker, out var worker))
        {
            report.Add(new Figure("idle worker PSS, one alone (hello-csharp, JIT, confined)", MemoryUse.Mib(worker.PssKb),
                $"plain .NET child PSS {MemoryUse.Mib(plain.PssKb)}", Ratio(worker.PssKb, plain.PssKb), "—", true));
            report.Add(new Figure("idle worker RSS, one alone (hello-csharp, JIT, confined)", MemoryUse.Mib(worker.RssKb),
                $"plain .NET child RSS {MemoryUse.Mib(plain.RssKb)}", Ratio(worker.RssKb, plain.RssKb), "—", true));
        }

        if (many.TryGetValue(IdleKind.HelloWorker, out var workers))
        {
            report.Add(new Figure($"idle worker PSS, mean over {fleet} (hello-csharp, JIT, confined)", MemoryUse.Mib(workers.PssKb),
                $"plain .NET child, mean over {fleet}: {MemoryUse.Mib(plainMany.PssKb)}", Ratio(workers.PssKb, plainMany.PssKb), "≤ 15 MB", workers.PssKb <= JitTargetKb));
        }

        if (many.TryGetValue(IdleKind.PlainAotChild, out var aotChildren))
        {
            report.Add(new Figure($"plain NativeAOT child PSS, mean over {fleet} (reference)", MemoryUse.Mib(aotChildren.PssKb),
                $"plain .NET child, mean over {fleet}: {MemoryUse.Mib(plainMany.PssKb)}", Ratio(aotChildren.PssKb, plainMany.PssKb), "—", true));
        }

        if (aot is not null && many.TryGetValue(aot, out var aotPlugins))
        {
            var reference = aotChildren.PssKb > 0 ? aotChildren : plainMany;
            report.Add(new Figure($"idle worker PSS, mean over {fleet} ({aot.Name})", MemoryUse.Mib(aotPlugins.PssKb),
                $"plain NativeAOT child, mean over {fleet}: {MemoryUse.Mib(reference.PssKb)}", Ratio(aotPlugins.PssKb, reference.PssKb), "≤ 5 MB", aotPlugins.PssKb <= AotTargetKb));
        }

        if (many.TryGetValue(IdleKind.RpcChild, out var rpc))
        {
            report.Add(new Figure($"StreamJsonRpc child PSS, mean over {fleet} (peer, unconfined)", MemoryUse.Mib(rpc.PssKb),
                $"plain .NET child, mean over {fleet}: {MemoryUse.Mib(plainMany.PssKb)}", Ratio(rpc.PssKb, plainMany.PssKb), "—", true));
        }

        foreach (var kind in kinds.Where(k => many.ContainsKey(k)))
        {
            report.Note($"memory, {kind.Name}: one alone {single[kind]}; mean of {fleet} together {many[kind]}");
        }
    }

    /// <summary>The AOT plugin as a kind when its folder is there, else a note saying why it is not measured.</summary>
    internal static IdleKind? AotPluginKind(Report report)
    {
        var directory = BenchPaths.AotPluginDirectory;
        if (directory is null)
        {
            report.Note($"AOT plugin: none at {BenchPaths.DefaultAotPluginDirectory} (no plugin.yaml) and no --aot-plugin DIR: not measured");
            return null;
        }

        return IdleKind.HostedPlugin($"AOT plugin {Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))} (confined, through PluginHost)", directory);
    }

    /// <summary>
    /// Starts <paramref name="count"/> of <paramref name="kind"/> one after another, lets them settle, reads each. One
    /// gone before it is read is left out of the mean and named in a note with how it ended (a finding, not noise).
    /// </summary>
    private static async Task<List<MemoryUse>> MeasureAsync(Report report, IdleKind kind, int count, TimeSpan settle)
    {
        var alive = new List<IdleProcess>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                alive.Add(await kind.StartAsync().ConfigureAwait(false));
            }

            await Task.Delay(settle).ConfigureAwait(false);
            var uses = new List<MemoryUse>();
            var gone = new List<string>();
            foreach (var process in alive)
            {
                try
                {
                    uses.Add(MemoryUse.Of(process.Pid));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    gone.Add(process.Describe());
                }
            }

            if (gone.Count > 0)
            {
                report.Note($"memory of {kind.Name}: {gone.Count} of {count} gone while idle, left out of the mean (first: {gone[0]})");
            }

            return uses.Count > 0 ? uses : throw new InvalidOperationException($"every {kind.Name} was gone before it was read (first: {gone[0]})");
        }
        finally
        {
            foreach (var process in alive)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static string Ratio(double value, double baseline) => Report.Num(value / baseline, "F2") + "×";

    private static string FirstLine(string text) => text.Split('\n')[0];
}
