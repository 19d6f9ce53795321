using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Stockade.Hosting.Diagnostics;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests;

/// <summary>
/// A real process plugin (Python, confined like any other) that reports back what a hostile plugin would: its trace
/// context, a flood of log lines with terminal escapes, a huge error message, a brokered call it is refused, a call that
/// outlives its timeout, a crash. And listeners that collect what the host publishes about it.
/// </summary>
internal static class ObservabilityPlugin
{
    public const string Script = """
        #!/usr/bin/env python3
        import json, os, struct, sys, time

        """ + PythonProtocol.Framing + """
        def ask(method, params):
            send({"id": "h1", "method": method, "params": params})
            while True:
                message = read()
                if message.get("id") == "h1" and "method" not in message:
                    return message

        while True:
            request = read()
            if request is None:
                break
            if "id" not in request:
                continue
            method, params = request.get("method"), request.get("params") or {}
            if method == "shutdown":
                send({"id": request["id"], "result": None})
                break
            if method == "initialize":
                send({"id": request["id"], "result": {"methods": ["trace", "chatty", "fail", "slow", "crash"], "hooks": ["obs.ping"], "sdkVersion": "1.0"}})
            elif method == "hook":
                send({"id": request["id"], "result": {"traceparent": params.get("traceparent")}})
            elif method == "invoke":
                name = params.get("method")
                if name == "trace":
                    send({"id": request["id"], "result": {"traceparent": params.get("traceparent"), "tracestate": params.get("tracestate")}})
                elif name == "chatty":
                    for i in range(100):
                        send({"method": "host.log", "params": {"level": "warning" if i % 2 else "evil\u001b[31m", "message": "\u001b]0;owned\u0007\u001b[2J line %d " % i + "A" * 5000}})
                    refused = ask("host.config.get", {"key": "greeting"})
                    send({"id": request["id"], "result": {"refused": "error" in refused}})
                elif name == "fail":
                    send({"id": request["id"], "error": {"code": -32000, "message": "\u001b[2J\u202eboom " * 4000}})
                elif name == "slow":
                    time.sleep(60)
                elif name == "crash":
                    os._exit(3)
            else:
                send({"id": request["id"], "error": {"code": -32601, "message": "unknown"}})
        """;

    /// <summary>Writes the plugin to <c>plugins/&lt;id&gt;</c> of the world; calls time out after 2 s.</summary>
    public static string Write(HostWorld world, string id)
    {
        var directory = Path.Combine(world.Plugins, id);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "plugin.yaml"), $$"""
            id: {{id}}
            name: Observability fixture
            version: 1.2.3
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 2s, hook: 5s }
            hooks: [obs.ping]
            permissions:
              required:
                - permission: hook:register=obs.ping
                  reason: the test fires it
              optional: []
            resources: { memoryMb: 128, openFiles: 64 }
            """);
        File.WriteAllText(Path.Combine(directory, "plugin.py"), Script);
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        return directory;
    }
}

/// <summary>One measurement as a <see cref="MeterListener"/> saw it.</summary>
internal sealed record Measured(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string name) => Tags.TryGetValue(name, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>Collects every Stockade measurement and span of the process (tests filter by their own plugin id).</summary>
internal sealed class TelemetryCollector : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _spans;

    public TelemetryCollector()
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StockadeDiagnostics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _meters.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _meters.Start();
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StockadeDiagnostics.ActivitySourceName || source.Name == "Issue18.App",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_spans);
    }

    public ConcurrentQueue<Measured> Measurements { get; } = new();

    public ConcurrentQueue<Activity> Spans { get; } = new();

    public void Observe() => _meters.RecordObservableInstruments();

    public IReadOnlyList<Measured> Of(string instrument, string? plugin = null) =>
        [.. Measurements.Where(m => m.Instrument == instrument && (plugin is null || m.Tag("plugin") == plugin))];

    public IReadOnlyList<Activity> SpansOf(string plugin) =>
        [.. Spans.Where(a => (a.GetTagItem("stockade.plugin.id") as string) == plugin)];

    public void Dispose()
    {
        _meters.Dispose();
        _spans.Dispose();
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        Measurements.Enqueue(new Measured(instrument.Name, instrument.Unit, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
    }
}
