using System.Diagnostics;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Workers;

/// <summary>
/// The red team's host crash: a worker wrote one 1.1 GiB stderr line and the host built it whole. Here a
/// real confined worker writes a 384 MiB line without a newline (and a burst of ordinary lines); the
/// host's memory stays within a small bound, the tail holds a cut and marked line, and the host keeps
/// serving this plugin and another. Runs with workers as root and as nobody (65534).
/// </summary>
public abstract class StderrFloodTests(int? workerUid) : IAsyncLifetime
{
    private const long FloodBytes = 384L << 20;

    // Generous: the fixed stderr state is ~20 KiB per worker; the rest is the test runner, JIT and the
    // workers' own pipes. The unbounded reader needed ~3.4 bytes per byte written (> 1.2 GiB here).
    private const long GrowthBound = 128L << 20;

    private readonly HostFixture _fixture = workerUid is null ? new RootHostFixture() : new NobodyHostFixture();

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task InvokeAsync_HugeStderrLineWithoutNewline_HostMemoryBoundedAndStillServing()
    {
        var host = _fixture.Host;
        var flood = FloodPlugin("t.flood");
        await host.LoadAsync(flood, new PluginLoadOptions { Level = "sandboxed" });
        await host.LoadAsync(FloodPlugin("t.bystander"), new PluginLoadOptions { Level = "sandboxed" });
        (await host.InvokeAsync("t.flood", "ping")).GetString().ShouldBe("pong");

        var before = Measure();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var now = Measure();
                peak = new Memory(Math.Max(peak.Managed, now.Managed), Math.Max(peak.Rss, now.Rss));
                await Task.Delay(50);
            }
        });

        var watch = Stopwatch.StartNew();
        var written = await host.InvokeAsync("t.flood", "flood", System.Text.Json.JsonSerializer.SerializeToElement(new { bytes = FloodBytes }));
        await sampling.CancelAsync();
        await sampler;
        var after = Measure();

        written.GetInt64().ShouldBe(FloodBytes);
        var managedGrowth = peak.Managed - before.Managed;
        var rssGrowth = peak.Rss - before.Rss;
        Console.WriteLine($"stderr flood of {FloodBytes >> 20} MiB in {watch.Elapsed.TotalSeconds:0.0} s: managed heap {before.Managed >> 20} -> peak {peak.Managed >> 20} -> {after.Managed >> 20} MiB, RSS {before.Rss >> 20} -> peak {peak.Rss >> 20} MiB");
        managedGrowth.ShouldBeLessThan(GrowthBound, $"managed heap grew {managedGrowth >> 20} MiB while the worker wrote {FloodBytes >> 20} MiB to stderr");
        rssGrowth.ShouldBeLessThan(GrowthBound, $"RSS grew {rssGrowth >> 20} MiB while the worker wrote {FloodBytes >> 20} MiB to stderr");

        // The host still serves the flooder and a bystander.
        (await host.InvokeAsync("t.flood", "ping")).GetString().ShouldBe("pong");
        (await host.InvokeAsync("t.bystander", "ping")).GetString().ShouldBe("pong");

        // The crash report shows the cut line, marked, within the tail's bound.
        var crash = await Should.ThrowAsync<PluginFailedException>(() => host.InvokeAsync("t.flood", "crash"));
        crash.Kind.ShouldBe(PluginFailureKind.Crashed);
        crash.WorkerOutput.ShouldContain(line => line.Contains("line cut:", StringComparison.Ordinal) || line.EndsWith('…'));
        crash.WorkerOutput.ShouldContain(line => line.Contains("last words", StringComparison.Ordinal));
        crash.WorkerOutput.Sum(l => (long)l.Length).ShouldBeLessThan(256 * 1024);
    }

    private static Memory Measure()
    {
        using var self = Process.GetCurrentProcess();
        return new Memory(GC.GetTotalMemory(forceFullCollection: false), self.WorkingSet64);
    }

    private string FloodPlugin(string id)
    {
        var dir = _fixture.World.Plugin("hello-python", id, """
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 120s, hook: 5s }
            resources: { memoryMb: 128, openFiles: 64 }
            """);
        File.WriteAllText(Path.Combine(dir, "plugin.py"), """
            import json, struct, sys

            IN, OUT = sys.stdin.buffer, sys.stdout.buffer

            def read():
                header = IN.read(4)
                if len(header) < 4:
                    return None
                (n,) = struct.unpack(">I", header)
                return json.loads(IN.read(n))

            def send(message):
                payload = json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8")
                OUT.write(struct.pack(">I", len(payload)) + payload)
                OUT.flush()

            def flood(total):
                chunk = b"x" * (1 << 20)
                left = total
                while left > 0:
                    piece = chunk if left >= len(chunk) else chunk[:left]
                    sys.stderr.buffer.write(piece)
                    left -= len(piece)
                sys.stderr.buffer.write(b"\n")
                for i in range(10000):
                    sys.stderr.buffer.write(b"ordinary line %d\n" % i)
                sys.stderr.buffer.flush()
                return total

            while True:
                request = read()
                if request is None:
                    break
                if "id" not in request:
                    continue
                method, params = request.get("method"), request.get("params") or {}
                if method == "initialize":
                    send({"id": request["id"], "result": {"methods": ["ping", "flood", "crash"], "hooks": [], "sdkVersion": "1.0"}})
                elif method == "shutdown":
                    send({"id": request["id"], "result": None})
                    break
                elif method == "invoke":
                    name = params.get("method")
                    if name == "ping":
                        send({"id": request["id"], "result": "pong"})
                    elif name == "flood":
                        send({"id": request["id"], "result": flood(int((params.get("input") or {})["bytes"]))})
                    elif name == "crash":
                        sys.stderr.buffer.write(b"y" * (8 << 20))
                        sys.stderr.buffer.write(b"\nlast words\n")
                        sys.stderr.buffer.flush()
                        sys.exit(3)
            """);
        File.SetUnixFileMode(Path.Combine(dir, "plugin.py"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return dir;
    }

    private readonly record struct Memory(long Managed, long Rss);
}

// Run alone: the host's memory is measured, and tests running beside it would allocate too.
[Collection(Stockade.Hosting.Tests.Watchdog.RealProcessCollection.Name)]
public sealed class StderrFloodAsRootTests() : StderrFloodTests(null);

[Collection(Stockade.Hosting.Tests.Watchdog.RealProcessCollection.Name)]
public sealed class StderrFloodAsNobodyTests() : StderrFloodTests(65534);
