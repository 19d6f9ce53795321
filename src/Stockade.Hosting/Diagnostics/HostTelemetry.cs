using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Stockade.Hosting.Audit;

namespace Stockade.Hosting.Diagnostics;

/// <summary>
/// One host's instruments on the <see cref="StockadeDiagnostics.MeterName"/> meter (calls, broker, audit, workers) and
/// the calls it has in flight, which brokered requests and plugin log lines are attached to. The host owns the meter
/// and disposes it with itself, as the watchdog does its own: observable instruments are bound to this host, and a
/// disposed host stops reporting. Every tag value is the host's own word — a plugin id, a method the plugin exports,
/// a closed set of outcomes — never text a worker sent (docs/observability.md).
/// </summary>
internal sealed class HostTelemetry : IDisposable
{
    private readonly Meter _meter;
    private readonly AuditLog _audit;
    private readonly ConcurrentDictionary<string, List<CallTelemetry>> _inFlight = new(StringComparer.Ordinal);

    public HostTelemetry(AuditLog audit, Func<int> workersRunning)
    {
        _audit = audit;
        _meter = new Meter(StockadeDiagnostics.MeterName, StockadeRelease.Version);

        Calls = _meter.CreateCounter<long>("stockade.plugin.calls", "{call}", "Plugin calls and hooks that ended, by plugin, method, operation and outcome.");
        CallFailures = _meter.CreateCounter<long>("stockade.plugin.call.failures", "{call}", "Plugin calls and hooks that failed, by error.type.");
        CallDuration = _meter.CreateHistogram<double>("stockade.plugin.call.duration", "s", "Duration of plugin calls and hooks as the application waits for them, cold starts included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
        CallsActive = _meter.CreateUpDownCounter<long>("stockade.plugin.calls.active", "{call}", "Plugin calls and hooks in flight.");

        BrokerRequests = _meter.CreateCounter<long>("stockade.broker.requests", "{request}", "Brokered requests from workers, by plugin, capability and outcome.");
        BrokerDuration = _meter.CreateHistogram<double>("stockade.broker.request.duration", "s", "Duration of brokered requests: check, rate limit, audit and perform.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30] });
        BrokerDenials = _meter.CreateCounter<long>("stockade.broker.denials", "{denial}", "Requests refused for want of a permission, by plugin, capability and layer (broker or kernel).");
        BrokerRateLimited = _meter.CreateCounter<long>("stockade.broker.rate_limited", "{request}", "Requests refused by a rate limit, by plugin and capability.");

        AuditRecords = _meter.CreateCounter<long>("stockade.audit.records", "{record}", "Audit records written, by action, decision and layer.");
        AuditFailures = _meter.CreateCounter<long>("stockade.audit.write.failures", "{failure}", "Audit writes that failed (records lost, a late fsync or head update).");
        AuditWriteDuration = _meter.CreateHistogram<double>("stockade.audit.write.duration", "s", "Time to write one batch of audit records (and force it to disk when the fsync policy says so).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1] });
        _meter.CreateObservableUpDownCounter("stockade.audit.queue.depth", () => audit.QueueDepth, "{record}", "Audit records accepted and not yet written.");

        WorkerStarts = _meter.CreateCounter<long>("stockade.worker.starts", "{worker}", "Workers launched and ready (answered initialize), spares included, by plugin and spare.");
        WorkerStartDuration = _meter.CreateHistogram<double>("stockade.worker.start.duration", "s", "Cold-start time: from launching a worker to its answer to initialize.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30] });
        WorkerStartFailures = _meter.CreateCounter<long>("stockade.worker.start.failures", "{worker}", "Worker launches that did not reach ready.");
        WorkerRestarts = _meter.CreateCounter<long>("stockade.worker.restarts", "{restart}", "Workers put back to work after a crash, a kill, a timeout or a policy change.");
        WorkerKills = _meter.CreateCounter<long>("stockade.worker.kills", "{kill}", "Workers ended by the host, by reason: limit, timeout, protocol_violation.");
        WorkerCrashes = _meter.CreateCounter<long>("stockade.worker.crashes", "{crash}", "Workers that ended unexpectedly.");
        PluginsDisabled = _meter.CreateCounter<long>("stockade.plugin.disabled", "{plugin}", "Plugins disabled because their restart budget ran out.");
        _meter.CreateObservableUpDownCounter("stockade.workers.running", workersRunning, "{worker}", "Workers serving a plugin now (spares not counted).");

        audit.RecordWritten += OnRecordWritten;
        audit.WriteFailed += OnWriteFailed;
        audit.BatchWritten = OnBatchWritten;
    }

    public Meter Meter => _meter;

    public Counter<long> Calls { get; }

    public Counter<long> CallFailures { get; }

    public Histogram<double> CallDuration { get; }

    public UpDownCounter<long> CallsActive { get; }

    public Counter<long> BrokerRequests { get; }

    public Histogram<double> BrokerDuration { get; }

    public Counter<long> BrokerDenials { get; }

    public Counter<long> BrokerRateLimited { get; }

    public Counter<long> AuditRecords { get; }

    public Counter<long> AuditFailures { get; }

    public Histogram<double> AuditWriteDuration { get; }

    public Counter<long> WorkerStarts { get; }

    public Histogram<double> WorkerStartDuration { get; }

    public Counter<long> WorkerStartFailures { get; }

    public Counter<long> WorkerRestarts { get; }

    public Counter<long> WorkerKills { get; }

    public Counter<long> WorkerCrashes { get; }

    public Counter<long> PluginsDisabled { get; }

    /// <summary>Counts what a plugin event says about its workers.</summary>
    public void OnEvent(PluginEvent e)
    {
        var plugin = new KeyValuePair<string, object?>("plugin", e.PluginId);
        switch (e.Kind)
        {
            case PluginEventKind.Restarted:
                WorkerRestarts.Add(1, plugin);
                break;
            case PluginEventKind.Killed:
                WorkerKills.Add(1, plugin, new("reason", "limit"));
                break;
            case PluginEventKind.TimedOut:
                WorkerKills.Add(1, plugin, new("reason", "timeout"));
                break;
            case PluginEventKind.ProtocolViolation:
                WorkerKills.Add(1, plugin, new("reason", "protocol_violation"));
                break;
            case PluginEventKind.Crashed:
                WorkerCrashes.Add(1, plugin);
                break;
            case PluginEventKind.Disabled:
                PluginsDisabled.Add(1, plugin);
                break;
        }
    }

    /// <summary>Starts the span of launching one worker; <see cref="WorkerLaunch.Ready"/> when it answered <c>initialize</c>.</summary>
    public WorkerLaunch StartWorker(string pluginId, bool spare) => new(this, pluginId, spare);

    /// <summary>The one call of <paramref name="pluginId"/> in flight, or null when there is none or several (a request cannot be told apart then).</summary>
    public CallTelemetry? SingleCallInFlight(string pluginId)
    {
        if (!_inFlight.TryGetValue(pluginId, out var calls))
        {
            return null;
        }

        lock (calls)
        {
            return calls.Count == 1 ? calls[0] : null;
        }
    }

    internal void Enter(CallTelemetry call)
    {
        var calls = _inFlight.GetOrAdd(call.PluginId, static _ => []);
        lock (calls)
        {
            calls.Add(call);
        }
    }

    internal void Leave(CallTelemetry call)
    {
        if (_inFlight.TryGetValue(call.PluginId, out var calls))
        {
            lock (calls)
            {
                calls.Remove(call);
            }
        }
    }

    public void Dispose()
    {
        _audit.RecordWritten -= OnRecordWritten;
        _audit.WriteFailed -= OnWriteFailed;
        _audit.BatchWritten = null;
        _meter.Dispose();
    }

    // On the audit writer's thread, for every record: nothing is built unless someone listens.
    private void OnRecordWritten(object? sender, AuditRecordWrittenEventArgs e)
    {
        if (AuditRecords.Enabled)
        {
            AuditRecords.Add(1, new("action", e.Record.Action), new("decision", Lower(e.Record.Decision)), new("layer", Lower(e.Record.Layer)));
        }
    }

    private void OnWriteFailed(object? sender, AuditWriteFailedEventArgs e) =>
        AuditFailures.Add(1, new KeyValuePair<string, object?>("records_lost", e.RecordsLost > 0));

    private void OnBatchWritten(int records, TimeSpan elapsed) => AuditWriteDuration.Record(elapsed.TotalSeconds);

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>One worker being launched: a span (a child of the call that needed it, none for a spare) and the cold-start time.</summary>
    internal sealed class WorkerLaunch : IDisposable
    {
        private readonly HostTelemetry _owner;
        private readonly string _pluginId;
        private readonly bool _spare;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly Activity? _activity;
        private bool _ready;

        public WorkerLaunch(HostTelemetry owner, string pluginId, bool spare)
        {
            _owner = owner;
            _pluginId = pluginId;
            _spare = spare;
            if (spare)
            {
                Activity.Current = null; // a spare serves no call yet: a root span (the caller is an async method, so this stays in it)
            }

            _activity = StockadeDiagnostics.Source.StartActivity("stockade.worker.start", ActivityKind.Internal);
            if (_activity is not null)
            {
                _activity.DisplayName = $"start worker {pluginId}";
                _activity.SetTag("stockade.plugin.id", pluginId);
                _activity.SetTag("stockade.worker.spare", spare);
            }
        }

        /// <summary>The worker answered <c>initialize</c>.</summary>
        public void Ready(int pid)
        {
            _ready = true;
            var elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            var tags = new TagList { { "plugin", _pluginId }, { "spare", _spare } };
            _owner.WorkerStarts.Add(1, tags);
            _owner.WorkerStartDuration.Record(elapsed, tags);
            _activity?.SetTag("stockade.worker.pid", pid);
        }

        public void Dispose()
        {
            if (!_ready)
            {
                _owner.WorkerStartFailures.Add(1, new KeyValuePair<string, object?>("plugin", _pluginId));
                _activity?.SetStatus(ActivityStatusCode.Error, "the worker did not become ready");
                _activity?.SetTag("error.type", "start_failed");
            }

            _activity?.Dispose();
        }
    }
}
