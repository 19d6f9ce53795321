using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using Stockade.Bench.Harness;
using Stockade.Protocol;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// <c>invoke</c> of the sample's <c>echo</c> through a confined worker against a raw length-prefixed ping-pong over the
/// same kind of pipes with a plain .NET child; then calls per second with many calls in flight.
/// </summary>
internal static class InvokeBenchmark
{
    // Both sides warm up for at least this long before a sample is taken: the runtime recompiles hot methods at tier 1 on
    // a background thread for a while after they are first called (both processes, 2 cores), and a count alone (the
    // former warm-up of calls/5) ended while that was still going on in the worker, so the quick run measured the JIT.
    internal static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(3);

    private static readonly JsonElement Input = JsonDocument.Parse("""{"name":"Ada","n":1}""").RootElement.Clone();

    public static async Task RunAsync(Report report, int calls)
    {
        Console.WriteLine($"invoke: {calls} sequential calls each, then throughput");
        var raw = await RawPingPongAsync(calls).ConfigureAwait(false);
        var (info, root) = BenchWorker.Plan();
        await using var worker = await BenchWorker.StartAsync(info, root).ConfigureAwait(false);
        var invoke = await SequentialInvokeAsync(worker.Peer, calls).ConfigureAwait(false);
        var ratio = invoke.Median / raw.Median;
        report.Add(new Figure("invoke round trip p50 (echo, confined worker)", Report.Us(invoke.Median),
            $"raw pipe ping-pong p50 {Report.Us(raw.Median)}", Report.Num(ratio, "F2") + "×", "≤ 2×", ratio <= 2));
        report.Note($"invoke p99 {Report.Us(invoke.P99)}, raw ping-pong p99 {Report.Us(raw.P99)}");

        foreach (var inFlight in new[] { 16, 64 })
        {
            var perSecond = await ThroughputAsync(worker.Peer, inFlight, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            report.Add(new Figure($"invoke throughput, {inFlight} in flight", Report.Num(perSecond) + " calls/s",
                $"raw ping-pong {Report.Num(1_000_000 / raw.Median)} round trips/s (one in flight)", Report.Num(perSecond * raw.Median / 1_000_000, "F2") + "×",
                "≥ 50,000 calls/s", perSecond >= 50_000));
        }
    }

    internal static async Task<Samples> SequentialInvokeAsync(JsonRpcPeer peer, int calls)
    {
        var parameters = new InvokeParams("echo", Input);
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < calls / 5 || warmUp.Elapsed < WarmUpTime; i++)
        {
            await peer.InvokeAsync(ProtocolMethods.Invoke, parameters, ProtocolJsonContext.Default.InvokeParams).ConfigureAwait(false);
        }

        var samples = new Samples();
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await peer.InvokeAsync(ProtocolMethods.Invoke, parameters, ProtocolJsonContext.Default.InvokeParams).ConfigureAwait(false);
            samples.AddTicks(Stopwatch.GetTimestamp() - start);
        }

        return samples;
    }

    private static async Task<double> ThroughputAsync(JsonRpcPeer peer, int inFlight, TimeSpan duration)
    {
        var parameters = new InvokeParams("echo", Input);
        long done = 0;
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await peer.InvokeAsync(ProtocolMethods.Invoke, parameters, ProtocolJsonContext.Default.InvokeParams).ConfigureAwait(false);
                Interlocked.Increment(ref done);
            }
        })).ToArray();
        await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
        var startCount = Interlocked.Read(ref done);
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(duration).ConfigureAwait(false);
        var count = Interlocked.Read(ref done) - startCount;
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(callers).ConfigureAwait(false);
        return count / seconds;
    }

    // The same bytes a small invoke request carries, echoed by the plain child: the floor two .NET processes can reach.
    internal static async Task<Samples> RawPingPongAsync(int calls)
    {
        using var child = BenchPaths.StartChild("pong");
        var input = child.StandardOutput.BaseStream;
        var output = child.StandardInput.BaseStream;
        var payload = """{"jsonrpc":"2.0","id":1,"method":"invoke","params":{"method":"echo","input":{"name":"Ada","n":1}}}"""u8.ToArray();
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        var answer = new byte[frame.Length];
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < calls / 5 || warmUp.Elapsed < WarmUpTime; i++)
        {
            await output.WriteAsync(frame).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            await input.ReadExactlyAsync(answer).ConfigureAwait(false);
        }

        var samples = new Samples();
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await output.WriteAsync(frame).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            await input.ReadExactlyAsync(answer).ConfigureAwait(false);
            samples.AddTicks(Stopwatch.GetTimestamp() - start);
        }

        child.StandardInput.Close();
        await child.WaitForExitAsync().ConfigureAwait(false);
        return samples;
    }
}
