using System.Diagnostics;
using System.Text.Json;
using Stockade.Bench.Harness;
using Stockade.Hosting;
using Wasmtime;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// The alternatives a user weighs Stockade against (issue 19, item 4), measured in the same run as the same baselines:
/// a StreamJsonRpc child (VS.Extensibility's transport) — first answer and round trip; wasmtime-dotnet in process —
/// instantiate + first call, and a call; the plain child wrapped by bubblewrap (the OS-sandbox alternative) — first
/// message; the plain child compiled ahead of time; and the confined worker. Cold starts alternate one of each per round
/// so load changes hit all alike; every ratio is to the plain .NET child's first message or the raw pipe ping-pong.
/// </summary>
internal static class PeersBenchmark
{
    private const string Bwrap = "/usr/bin/bwrap";

    // A tiny module: echo copies len bytes at ptr to ptr + 4096 and returns where (the bytes in, the bytes back out, as
    // a call with a payload must); add is the bare call.
    private const string Wat = """
        (module
          (memory (export "memory") 1)
          (func (export "echo") (param $ptr i32) (param $len i32) (result i32)
            (memory.copy (i32.add (local.get $ptr) (i32.const 4096)) (local.get $ptr) (local.get $len))
            (i32.add (local.get $ptr) (i32.const 4096)))
          (func (export "add") (param i32 i32) (result i32)
            (i32.add (local.get 0) (local.get 1))))
        """;

    private static readonly byte[] Payload = """{"jsonrpc":"2.0","id":1,"method":"invoke","params":{"method":"echo","input":{"name":"Ada","n":1}}}"""u8.ToArray();

    public static async Task RunAsync(Report report, int iterations, int calls)
    {
        Console.WriteLine($"peers: {iterations} cold starts of each, alternating; then {calls} sequential round trips of each");
        var bwrapRefusal = BwrapRefusal();
        if (bwrapRefusal is not null)
        {
            report.Note($"bubblewrap: skipped ({bwrapRefusal})");
        }

        var aotChild = File.Exists(BenchPaths.AotChildExecutable);
        if (!aotChild)
        {
            report.Note($"plain NativeAOT child: missing at {BenchPaths.AotChildExecutable} (build the benchmark to publish it): not measured");
        }

        var engineStart = Stopwatch.GetTimestamp();
        using var engine = new Engine();
        var engineTicks = Stopwatch.GetTimestamp() - engineStart;
        using var compiled = Module.FromText(engine, "bench", Wat);
        var aotPlugin = MemoryBenchmark.AotPluginKind(report) is null ? null : BenchPaths.AotPluginDirectory;
        await using var jitHost = new HostedLoad(BenchPaths.HelloPluginDirectory);
        await using var aotHostOwner = aotPlugin is null ? null : new HostedLoad(aotPlugin);
        var aotHost = aotHostOwner;
        if (aotHost is not null)
        {
            try
            {
                await aotHost.LoadAsync().ConfigureAwait(false); // a first load, outside the samples: can this host run it at all?
            }
            catch (Exception e)
            {
                report.Note($"AOT plugin through PluginHost: not measured ({e.Message.Split('\n')[0]})");
                aotHost = null;
            }
        }
        var hostedJit = new Samples();
        var hostedAot = new Samples();
        BenchWorker.Target? aotTarget = null;
        if (aotPlugin is not null)
        {
            try
            {
                aotTarget = BenchWorker.TargetOf(aotPlugin);
            }
            catch (InvalidOperationException e)
            {
                report.Note($"AOT plugin worker ready (planner level): not measured ({e.Message})");
            }
        }

        var aotReady = new Samples();
        var plain = new Samples();
        var aot = new Samples();
        var worker = new Samples();
        var rpc = new Samples();
        var bwrap = new Samples();
        var wasmInstantiate = new Samples();
        var wasmCompile = new Samples();
        for (var i = -2; i < iterations; i++)
        {
            var p = await StartupBenchmark.PlainChildFirstMessageAsync().ConfigureAwait(false);
            var a = aotChild ? await FirstMessageAsync(() => BenchPaths.StartAotChild("first")).ConfigureAwait(false) : 0;
            var w = await StartupBenchmark.WorkerReadyAsync().ConfigureAwait(false);
            var r = await RpcFirstAnswerAsync().ConfigureAwait(false);
            var b = bwrapRefusal is null ? await FirstMessageAsync(() => BwrapChild("first")).ConfigureAwait(false) : 0;
            var wi = WasmInstantiateAndCall(engine, compiled);
            var wc = WasmCompileInstantiateAndCall(engine);
            var hj = await jitHost.LoadAsync().ConfigureAwait(false);
            var ha = aotHost is null ? 0 : await aotHost.LoadAsync().ConfigureAwait(false);
            var ar = aotTarget is null ? 0 : await StartupBenchmark.WorkerReadyAsync(aotTarget).ConfigureAwait(false);
            if (i < 0)
            {
                continue;
            }

            plain.AddTicks(p);
            worker.AddTicks(w);
            rpc.AddTicks(r);
            wasmInstantiate.AddTicks(wi);
            wasmCompile.AddTicks(wc);
            hostedJit.AddTicks(hj);
            if (aotTarget is not null)
            {
                aotReady.AddTicks(ar);
            }

            if (aotHost is not null)
            {
                hostedAot.AddTicks(ha);
            }

            if (aotChild)
            {
                aot.AddTicks(a);
            }

            if (bwrapRefusal is null)
            {
                bwrap.AddTicks(b);
            }
        }

        var baseline = $"plain .NET child first message p50 {Report.Us(plain.Median)}";
        Cold(report, "confined worker ready p50 (hello-csharp, JIT; same run)", worker, plain, baseline);
        if (aotChild)
        {
            Cold(report, "plain NativeAOT child first message p50 (reference)", aot, plain, baseline);
        }

        if (aotTarget is not null)
        {
            var ratio = aotReady.Median / plain.Median;
            report.Add(new Figure($"AOT plugin worker ready p50 ({aotTarget.Id}: launcher+Landlock+seccomp+canary → initialize)", Report.Us(aotReady.Median), baseline,
                Ratio(ratio), "≤ 0.5×", ratio <= 0.5));
            if (aotChild)
            {
                report.Note($"AOT plugin worker ready / plain NativeAOT child first message = {Report.Num(aotReady.Median / aot.Median, "F2")}× ({Report.Us(aotReady.Median)} vs {Report.Us(aot.Median)}); p99 {Report.Us(aotReady.P99)}");
            }

            await StartupBenchmark.PhasesAsync(report, Math.Max(5, iterations / 2), aotTarget).ConfigureAwait(false);
        }

        Cold(report, "PluginHost.LoadAsync → ready p50 (hello-csharp, JIT, confined; manifest, analysis, policy, spawn, initialize)", hostedJit, plain, baseline);
        if (aotHost is not null)
        {
            Cold(report, $"PluginHost.LoadAsync → ready p50 ({Path.GetFileName(Path.TrimEndingDirectorySeparator(aotPlugin!))}, NativeAOT, confined; the same path)", hostedAot, plain, baseline);
            if (aotChild)
            {
                report.Note($"AOT plugin load / plain NativeAOT child first message = {Report.Num(hostedAot.Median / aot.Median, "F2")}×; AOT / JIT plugin load = {Report.Num(hostedAot.Median / hostedJit.Median, "F2")}×");
            }
        }

        Cold(report, "StreamJsonRpc child first answer p50 (spawn → ping answered, unconfined)", rpc, plain, baseline);
        if (bwrapRefusal is null)
        {
            Cold(report, "bubblewrap-wrapped plain child first message p50 (ro /, all namespaces)", bwrap, plain, baseline);
        }

        Cold(report, "wasmtime instantiate + first call p50 (module compiled, in process)", wasmInstantiate, plain, baseline);
        report.Note($"wasmtime compile (WAT) + instantiate + first call p50 {Report.Us(wasmCompile.Median)} (p99 {Report.Us(wasmCompile.P99)}); the engine, made once per process, took {Report.Us(engineTicks * 1_000_000.0 / Stopwatch.Frequency)}");
        report.Note($"cold p99: plain {Report.Us(plain.P99)}, worker {Report.Us(worker.P99)}, StreamJsonRpc {Report.Us(rpc.P99)}"
            + (aotChild ? $", NativeAOT child {Report.Us(aot.P99)}" : "") + (bwrapRefusal is null ? $", bubblewrap {Report.Us(bwrap.P99)}" : "")
            + $", wasm instantiate {Report.Us(wasmInstantiate.P99)} ({iterations} runs each)");

        await RoundTripsAsync(report, engine, compiled, calls).ConfigureAwait(false);
    }

    private static async Task RoundTripsAsync(Report report, Engine engine, Module compiled, int calls)
    {
        var raw = await InvokeBenchmark.RawPingPongAsync(calls).ConfigureAwait(false);
        Samples invoke;
        var (info, root) = BenchWorker.Plan();
        await using (var worker = await BenchWorker.StartAsync(info, root).ConfigureAwait(false))
        {
            invoke = await InvokeBenchmark.SequentialInvokeAsync(worker.Peer, calls).ConfigureAwait(false);
        }

        var rpc = await RpcRoundTripAsync(calls).ConfigureAwait(false);
        var wasm = WasmCalls(engine, compiled, calls);
        var baseline = $"raw pipe ping-pong p50 {Report.Us(raw.Median)}";
        report.Add(new Figure("invoke round trip p50 (echo, confined worker; same run)", Report.Us(invoke.Median), baseline,
            Ratio(invoke.Median / raw.Median), "—", true));
        report.Add(new Figure("StreamJsonRpc round trip p50 (echo, unconfined child)", Report.Us(rpc.Median), baseline,
            Ratio(rpc.Median / raw.Median), "—", true));
        report.Add(new Figure("wasmtime call p50 (echo of the same bytes through linear memory, in process)", Report.Us(wasm.Median), baseline,
            Ratio(wasm.Median / raw.Median), "—", true));
        report.Note($"round trips: Stockade invoke / StreamJsonRpc = {Report.Num(invoke.Median / rpc.Median, "F2")}×; p99 raw {Report.Us(raw.P99)}, invoke {Report.Us(invoke.P99)}, StreamJsonRpc {Report.Us(rpc.P99)}, wasm {Report.Us(wasm.P99)}");
    }

    private static void Cold(Report report, string name, Samples value, Samples plain, string baseline) =>
        report.Add(new Figure(name, Report.Us(value.Median), baseline, Ratio(value.Median / plain.Median), "—", true));

    /// <summary>Two decimals, or enough to show the first digits of a very small ratio (in-process calls).</summary>
    private static string Ratio(double ratio) => Report.Num(ratio, ratio >= 0.1 ? "F2" : ratio >= 0.001 ? "F4" : "F6") + "×";

    /// <summary>Null when bubblewrap runs here; else why not (the row is skipped with that reason).</summary>
    internal static string? BwrapRefusal()
    {
        if (!File.Exists(Bwrap))
        {
            return $"{Bwrap} is not installed (Debian: apt-get install bubblewrap)";
        }

        try
        {
            using var probe = BenchPaths.Start(Bwrap, [.. BwrapArguments, "/bin/true"]);
            probe.StandardInput.Close();
            var error = probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0 ? null : $"bwrap exits {probe.ExitCode} here: {error.Trim()}";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"bwrap cannot start: {e.Message}";
        }
    }

    // Read-only root, fresh /dev, /proc and /tmp, every namespace bubblewrap offers, killed with its parent: the usual
    // "OS sandbox" wrapping of a process (no seccomp filter, no Landlock, no rlimits — lighter than the worker's).
    private static readonly string[] BwrapArguments =
        ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-all", "--die-with-parent", "--new-session"];

    private static Process BwrapChild(string mode) =>
        BenchPaths.Start(Bwrap, [.. BwrapArguments, BenchPaths.Dotnet, BenchPaths.ChildAssembly, mode]);

    // The shape of StartupBenchmark.PlainChildFirstMessageAsync, for any program that writes one byte when it is up.
    private static async Task<long> FirstMessageAsync(Func<Process> start)
    {
        var begin = Stopwatch.GetTimestamp();
        using var child = start();
        var buffer = new byte[1];
        var read = await child.StandardOutput.BaseStream.ReadAsync(buffer).ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - begin;
        if (read != 1)
        {
            throw new InvalidOperationException($"the child wrote nothing: {await child.StandardError.ReadToEndAsync().ConfigureAwait(false)}");
        }

        child.StandardInput.Close();
        await child.WaitForExitAsync().ConfigureAwait(false);
        return elapsed;
    }

    private static async Task<long> RpcFirstAnswerAsync()
    {
        var start = Stopwatch.GetTimestamp();
        var (process, rpc) = RpcPeer.Start();
        var answer = await rpc.InvokeAsync<string>("ping").ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - start;
        await RpcPeer.StopAsync(process, rpc).ConfigureAwait(false);
        return answer == "pong" ? elapsed : throw new InvalidOperationException($"the StreamJsonRpc child answered {answer}");
    }

    private static async Task<Samples> RpcRoundTripAsync(int calls)
    {
        var (process, rpc) = RpcPeer.Start();
        try
        {
            var input = JsonDocument.Parse("""{"name":"Ada","n":1}""").RootElement.Clone();
            var warmUp = Stopwatch.StartNew();
            for (var i = 0; i < calls / 5 || warmUp.Elapsed < InvokeBenchmark.WarmUpTime; i++)
            {
                await rpc.InvokeAsync<JsonElement>("echo", input).ConfigureAwait(false);
            }

            var samples = new Samples();
            for (var i = 0; i < calls; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await rpc.InvokeAsync<JsonElement>("echo", input).ConfigureAwait(false);
                samples.AddTicks(Stopwatch.GetTimestamp() - start);
            }

            return samples;
        }
        finally
        {
            await RpcPeer.StopAsync(process, rpc).ConfigureAwait(false);
        }
    }

    private static long WasmInstantiateAndCall(Engine engine, Module compiled)
    {
        var start = Stopwatch.GetTimestamp();
        using var store = new Store(engine);
        using var linker = new Linker(engine);
        var instance = linker.Instantiate(store, compiled);
        var add = instance.GetFunction<int, int, int>("add") ?? throw new InvalidOperationException("the wasm module has no add");
        var sum = add(2, 3);
        var elapsed = Stopwatch.GetTimestamp() - start;
        return sum == 5 ? elapsed : throw new InvalidOperationException($"wasm add(2, 3) returned {sum}");
    }

    private static long WasmCompileInstantiateAndCall(Engine engine)
    {
        var start = Stopwatch.GetTimestamp();
        using var module = Module.FromText(engine, "bench", Wat);
        using var store = new Store(engine);
        using var linker = new Linker(engine);
        var instance = linker.Instantiate(store, module);
        var add = instance.GetFunction<int, int, int>("add") ?? throw new InvalidOperationException("the wasm module has no add");
        var sum = add(2, 3);
        var elapsed = Stopwatch.GetTimestamp() - start;
        return sum == 5 ? elapsed : throw new InvalidOperationException($"wasm add(2, 3) returned {sum}");
    }

    private static Samples WasmCalls(Engine engine, Module compiled, int calls)
    {
        using var store = new Store(engine);
        using var linker = new Linker(engine);
        var instance = linker.Instantiate(store, compiled);
        var echo = instance.GetFunction<int, int, int>("echo") ?? throw new InvalidOperationException("the wasm module has no echo");
        var memory = instance.GetMemory("memory") ?? throw new InvalidOperationException("the wasm module has no memory");
        var answer = new byte[Payload.Length];
        void Call()
        {
            Payload.CopyTo(memory.GetSpan(0, Payload.Length));
            var at = echo(0, Payload.Length);
            memory.GetSpan(at, Payload.Length).CopyTo(answer);
        }

        Call();
        if (!answer.AsSpan().SequenceEqual(Payload))
        {
            throw new InvalidOperationException("the wasm echo returned other bytes");
        }

        return Samples.OfBatches(warmupBatches: 50, batches: Math.Max(100, calls / 10), batch: 100, Call);
    }
}

/// <summary>
/// A plugin folder loaded and unloaded again and again by one <see cref="PluginHost"/> (made before the clock): each
/// <see cref="LoadAsync"/> times what a host application waits for — the manifest, the analysis, the policy, the real
/// launch plan (launcher, Landlock, seccomp, canary) and <c>initialize</c> answered — for any runtime the host knows.
/// </summary>
internal sealed class HostedLoad(string directory) : IAsyncDisposable
{
    private readonly string _root = BenchPaths.CreateTempRoot("stockade-bench-load-");
    private PluginHost? _host;

    public async Task<long> LoadAsync()
    {
        _host ??= new PluginHost(new PluginHostOptions { Home = Path.Combine(_root, "home"), RuntimeDirectory = AppContext.BaseDirectory });
        var start = Stopwatch.GetTimestamp();
        var loaded = await _host.LoadAsync(directory).ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - start;
        if (loaded.ProcessId is null)
        {
            throw new InvalidOperationException($"the host loaded {directory} but holds no running worker");
        }

        await _host.UnloadAsync(loaded.Id).ConfigureAwait(false);
        return elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temporary folder.
        }
    }
}
