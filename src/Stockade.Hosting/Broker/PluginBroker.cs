using System.Collections.Concurrent;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Workers;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker;

/// <summary>
/// Serves one worker's <c>host.*</c> calls: every request and notification goes through the one
/// <see cref="BrokerPipeline"/> (authorize → rate limit → audit → perform), whose handlers do the work. The broker
/// holds what belongs to one worker — its audit and log budgets, the denials it was refused, grants given for its
/// lifetime — and reaches the rest of the host only through <see cref="BrokerPorts"/>. Everything the worker sends
/// is untrusted input.
/// </summary>
internal sealed class PluginBroker : IJsonRpcHandler
{
    private readonly BrokerPipeline _pipeline;
    private readonly ConcurrentQueue<DenialInfo> _denials = new();
    private readonly ConcurrentDictionary<string, Permission> _sessionGrants = new(StringComparer.Ordinal);
    private readonly AuditBudget _auditBudget;
    private readonly LogBudget _logBudget;
    private readonly Lock _flushGate = new();
    private ITimer? _flushTimer;
    private int _denialCount;
    private int _ended;
    private int _overBudget;

    public PluginBroker(BrokerPorts ports, BrokerPipeline? pipeline = null)
    {
        Ports = ports;
        _pipeline = pipeline ?? BrokerPipeline.Default;
        _auditBudget = new AuditBudget(ports.Budgets, ports.Time);
        _logBudget = new LogBudget(ports.Budgets, ports.Time);
    }

    /// <summary>The narrow parts of the host this broker uses.</summary>
    public BrokerPorts Ports { get; }

    public string PluginId => Ports.PluginId;

    public int DenialCount => Volatile.Read(ref _denialCount);

    /// <summary>The worker this broker serves, set once it is started; ended when the worker passes its audit budget.</summary>
    public WorkerProcess? Worker { get; set; }

    /// <summary>The host's instruments and calls in flight (Diagnostics/); null in tests that build a broker alone.</summary>
    public Diagnostics.HostTelemetry? Telemetry { get; init; }

    public DenialInfo? LastDenialSince(int countBefore)
    {
        if (DenialCount <= countBefore)
        {
            return null;
        }

        DenialInfo? last = null;
        foreach (var d in _denials)
        {
            last = d;
        }

        return last;
    }

    public ValueTask<JsonElement?> HandleRequestAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
        Diagnostics.BrokerTelemetry.RunAsync(Telemetry, _pipeline, this, method, parameters, cancellationToken);

    public async ValueTask HandleNotificationAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
        await Diagnostics.BrokerTelemetry.RunAsync(Telemetry, _pipeline, this, method, parameters, cancellationToken).ConfigureAwait(false);

    /// <summary>True when the policy (or a grant given for this worker's lifetime) allows <paramref name="permissionText"/>.</summary>
    internal bool IsGranted(string permissionText)
    {
        var grants = Ports.Grants;
        if (Parse(permissionText, grants.Catalog) is not { } permission)
        {
            return false;
        }

        // Always against the policy in force now: only the parse is remembered, never a decision.
        if (grants.CurrentPolicy().Check(permission).IsGranted)
        {
            return true;
        }

        foreach (var granted in _sessionGrants.Values)
        {
            if (granted.Implies(permission))
            {
                return true;
            }
        }

        return false;
    }

    // The permissions this worker's calls needed most recently, parsed: a worker calls the same few again and again, and
    // parsing one (about 800 bytes and most of a brokered call's cost) gives the same result for the same text and
    // catalog. A few slots, replaced in turn, so a worker that varies its text (one URL host after another) costs a few
    // string comparisons and holds nothing more. Each slot is one immutable entry, read and written whole.
    private readonly ParsedPermission?[] _parsed = new ParsedPermission?[ParsedSlots];
    private int _parsedNext;
    private const int ParsedSlots = 8;

    private sealed record ParsedPermission(string Text, PermissionCatalog Catalog, Permission Permission);

    private Permission? Parse(string text, PermissionCatalog catalog)
    {
        for (var i = 0; i < _parsed.Length; i++)
        {
            if (Volatile.Read(ref _parsed[i]) is { } known
                && ReferenceEquals(known.Catalog, catalog) && string.Equals(known.Text, text, StringComparison.Ordinal))
            {
                return known.Permission;
            }
        }

        if (!Permission.TryParse(text, catalog, out var permission, out _))
        {
            return null; // a refusal is rare and says nothing about the next call: not remembered
        }

        Volatile.Write(ref _parsed[(Interlocked.Increment(ref _parsedNext) & int.MaxValue) % ParsedSlots], new ParsedPermission(text, catalog, permission));
        return permission;
    }

    /// <summary>Grants <paramref name="permission"/> for this worker's lifetime (a person answered a request).</summary>
    internal void GrantForSession(Permission permission) => _sessionGrants[permission.ToString()] = permission;

    /// <summary>Fail secure: a call that cannot be audited is not performed (decision 14).</summary>
    internal void ThrowIfAuditFailed()
    {
        if (Ports.Audit.Failure is { } auditFailure)
        {
            throw new RpcException(RpcErrorCode.PermissionDenied, $"'{PluginId}' was refused: {auditFailure}");
        }
    }

    internal RpcException NotInstalled(string what) =>
        new(RpcErrorCode.NotFound, $"'{PluginId}' is not installed, so the host keeps no {what} for it; install it with 'stockade install <its folder>' (or PluginInstaller.Install) and load it by id");

    internal static RpcException Denied(string? permission, string message)
    {
        JsonElement? data = permission is null ? null : JsonSerializer.SerializeToElement(new { permission });
        return new RpcException(RpcErrorCode.PermissionDenied, message, data);
    }

    /// <summary>
    /// Sequences the record of an allowed call into the audit queue before the call is performed, without waiting
    /// for the disk (decision 14). If the write later fails, this worker is stopped and the host refuses every
    /// further brokered call (see <see cref="OnAuditLost"/>). Only the pipeline's audit step calls this.
    /// </summary>
    internal ValueTask SequenceAsync(AuditEntry entry)
    {
        AdmitPerformed(entry);
        var queued = Ports.Audit.QueueAsync(entry);
        if (!queued.IsCompletedSuccessfully)
        {
            return WhenQueuedAsync(queued); // the audit queue is full: wait for the record's place
        }

        WatchWrite(queued.Result);
        return default;
    }

    private async ValueTask WhenQueuedAsync(ValueTask<Task<AuditRecord>> queued) => WatchWrite(await queued.ConfigureAwait(false));

    // The record has its place in the queue; should its write fail, the worker is stopped and brokered calls refused.
    private void WatchWrite(Task<AuditRecord> written)
    {
        if (written.IsCompleted)
        {
            if (written.IsFaulted)
            {
                OnAuditLost(written.Exception);
            }

            return;
        }

        _ = written.ContinueWith(
            static (task, state) => ((PluginBroker)state!).OnAuditLost(task.Exception),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Writes the record of something decided during a call (an answer to a request) and waits until it is on file.</summary>
    internal async ValueTask AppendPerformedAsync(AuditEntry entry)
    {
        AdmitPerformed(entry);
        await Ports.Audit.AppendAsync(entry).ConfigureAwait(false);
    }

    private void OnAuditLost(AggregateException? error)
    {
        var failure = error?.InnerException as AuditWriteException
            ?? new AuditWriteException($"the audit record could not be written: {error?.InnerException?.Message}", error?.InnerException ?? error!);
        Ports.Audit.Lost(failure);
        Log.AuditLostWorkerStopped(Ports.Events.Logger, PluginId);
        var message = $"stopped because the audit record of one of its brokered calls could not be written ({failure.Message}); fix the audit folder and restart the host";
        Ports.Events.EndWorker(this, Worker, "audit", message, $"audit: {failure.Message}", onlyIfCurrent: true);
    }

    /// <summary>Records a refusal (summarised under the audit budget), keeps it for the grant hint, and raises it.</summary>
    internal async ValueTask DenyAsync(string? permission, string? resource, AuditLayer layer, string action, string? reason = null, string? operation = null)
    {
        var details = reason is null ? null : new Dictionary<string, string> { ["reason"] = reason };
        var entry = new AuditEntry(action, AuditDecision.Deny, layer)
        {
            Plugin = PluginId,
            Permission = permission,
            Resource = resource,
            Details = details,
        };
        var written = await NoteAsync(entry).ConfigureAwait(false);
        RememberDenial(permission, resource, layer, action, operation, written);
    }

    /// <summary>The host's own record of what it refused: the only source of a 'stockade grant' hint.</summary>
    internal void RememberDenial(string? permission, string? resource, AuditLayer layer, string action, string? operation, bool logged)
    {
        _denials.Enqueue(new DenialInfo(operation ?? action, resource ?? action, permission, layer == AuditLayer.Kernel ? "Landlock" : "broker"));
        while (_denials.Count > 32)
        {
            _denials.TryDequeue(out _);
        }

        Interlocked.Increment(ref _denialCount);
        if (!logged)
        {
            return; // summarised (or the worker is being ended): no log line or event per attempt either
        }

        // Both may hold a plugin's words (a reported path, a key): logged and raised made visible, and advised only when
        // nothing in them would act on a terminal or a shell it is pasted into.
        var by = layer == AuditLayer.Kernel ? "kernel" : "broker";
        var shownPermission = permission is null ? null : StderrText.Visible(permission);
        var shownResource = resource is null ? null : StderrText.Visible(resource);
        Log.Denied(Ports.Events.Logger, PluginId, shownPermission, shownResource, by);
        Ports.Events.Denied(permission is null || !ReferenceEquals(shownPermission, permission)
            ? $"refused {shownPermission ?? ""}{(shownPermission is null ? "" : " ")}by the {by}: {shownResource}"
            : $"refused {permission} by the {by}; to allow it: {GrantAdvice.Command(PluginId, permission)}");
    }

    /// <summary>
    /// Writes a record of something the worker asked for and was not given (a denial, a refusal, a report): the first
    /// ones of each interval one by one, the rest in a summary (<see cref="AuditBudget"/>). True when written one by one.
    /// A worker over its audit budget is ended.
    /// </summary>
    internal async ValueTask<bool> NoteAsync(AuditEntry entry)
    {
        switch (_auditBudget.Admit(entry, summarisable: true))
        {
            case AuditAdmission.Write:
                await Ports.Audit.AppendAsync(entry).ConfigureAwait(false);
                return true;
            case AuditAdmission.Summarised:
                ScheduleFlush();
                return false;
            default:
                EndForAuditBudget();
                return false;
        }
    }

    /// <summary>
    /// Records a denial the host observed in the kernel itself (Kernel/WorkerKernelChannel: a seccomp user notification),
    /// through this worker's audit budget like every other refusal: a flood becomes a summary, not a flood of records.
    /// </summary>
    internal async ValueTask NoteKernelObservedAsync(AuditEntry entry) => await NoteAsync(entry).ConfigureAwait(false);

    /// <summary>Counts a log line in the log budget; false when it is to be dropped (counted, reported later).</summary>
    internal bool AdmitLog(int bytes)
    {
        if (_logBudget.Admit(bytes))
        {
            return true;
        }

        ScheduleFlush();
        return false;
    }

    /// <summary>Counts the record of a call about to be performed; a worker over its audit budget is ended and the call refused.</summary>
    private void AdmitPerformed(AuditEntry entry)
    {
        if (_auditBudget.Admit(entry, summarisable: false) != AuditAdmission.Write)
        {
            EndForAuditBudget();
            throw new RpcException(RpcErrorCode.RateLimited, $"'{PluginId}' is over its audit budget ({_auditBudget.OverBudgetReason}); the call was not performed");
        }
    }

    private void EndForAuditBudget()
    {
        if (Interlocked.Exchange(ref _overBudget, 1) != 0)
        {
            return;
        }

        var reason = _auditBudget.OverBudgetReason ?? "over its audit budget";
        Log.AuditBudgetExceeded(Ports.Events.Logger, PluginId, reason);
        var message = $"ended: it made the host write {reason}; its flood is summarised in the audit log. Find out why it floods before running it again";
        Ports.Audit.Append(new AuditEntry(AuditActions.PluginKilled, AuditDecision.Deny, AuditLayer.Broker)
        {
            Plugin = PluginId,
            Details = new Dictionary<string, string> { ["reason"] = "audit_budget", ["detail"] = reason },
        });
        FlushSummaries();
        Ports.Events.EndWorker(this, Worker, "audit", message, $"audit budget: {reason}", onlyIfCurrent: false);
    }

    /// <summary>
    /// Writes the summaries and the count of dropped log lines now; called at the end of an interval (from a timer) and
    /// when the worker ends (from its exit handler). Never throws: nothing a worker does may escape into those.
    /// </summary>
    public void FlushSummaries()
    {
        try
        {
            foreach (var summary in _auditBudget.TakeSummaries())
            {
                Ports.Audit.Append(summary);
            }
        }
        catch (ObjectDisposedException)
        {
            // The host is shutting down after its audit log closed; nothing more can be recorded.
            return;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
        {
            // A failed write is reported by the audit log itself (WriteFailed closes the broker).
            return;
        }

        var (lines, bytes) = _logBudget.TakeDropped();
        if (lines > 0)
        {
            Log.PluginLogDropped(Ports.Events.Logger, PluginId, lines, bytes, $"{Ports.Budgets.LogLinesPerInterval} lines or {Ports.Budgets.LogKbPerInterval} KiB in {AuditBudget.Describe(Ports.Budgets.Interval)}");
        }
    }

    /// <summary>The worker has ended: write what is still summarised, and stop the flush timer.</summary>
    public void WorkerEnded()
    {
        Interlocked.Exchange(ref _ended, 1);
        lock (_flushGate)
        {
            _flushTimer?.Dispose();
            _flushTimer = null;
        }

        FlushSummaries();
    }

    // Summaries wait at most one interval: the first thing summarised arms a one-shot timer that writes them.
    private void ScheduleFlush()
    {
        if (Volatile.Read(ref _ended) != 0)
        {
            FlushSummaries();
            return;
        }

        lock (_flushGate)
        {
            if (_flushTimer is not null)
            {
                return;
            }

            _flushTimer = Ports.Time.CreateTimer(
                static state =>
                {
                    var broker = (PluginBroker)state!;
                    lock (broker._flushGate)
                    {
                        broker._flushTimer?.Dispose();
                        broker._flushTimer = null;
                    }

                    broker.FlushSummaries();
                },
                this,
                Ports.Budgets.Interval,
                Timeout.InfiniteTimeSpan);
        }
    }
}
