using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.Http;
using Stockade.Hosting.Store;
using Stockade.Hosting.Workers;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker;

/// <summary>
/// Serves one worker's <c>host.*</c> requests. Every call goes: permission check (declared ∩
/// granted, scope matched) → rate limit → audit → perform → reply, with a stable error code on
/// refusal. Everything the worker sends is untrusted input.
/// </summary>
internal sealed class PluginBroker : IJsonRpcHandler
{
    private const string DefaultNamespace = "default";
    private readonly PluginHost _host;
    private readonly PluginSlot _slot;
    private readonly ConcurrentQueue<DenialInfo> _denials = new();
    private readonly ConcurrentDictionary<string, Permission> _sessionGrants = new(StringComparer.Ordinal);
    private readonly AuditBudget _auditBudget;
    private readonly LogBudget _logBudget;
    private readonly Lock _flushGate = new();
    private ITimer? _flushTimer;
    private int _denialCount;
    private int _ended;
    private int _overBudget;

    public PluginBroker(PluginHost host, PluginSlot slot)
    {
        _host = host;
        _slot = slot;
        _auditBudget = new AuditBudget(host.Budgets, host.Time);
        _logBudget = new LogBudget(host.Budgets, host.Time);
    }

    public int DenialCount => Volatile.Read(ref _denialCount);

    /// <summary>The worker this broker serves, set once it is started; ended when the worker passes its audit budget.</summary>
    public WorkerProcess? Worker { get; set; }

    private string PluginId => _slot.Id;

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

    public async ValueTask<JsonElement?> HandleRequestAsync(string method, JsonElement? parameters, CancellationToken cancellationToken)
    {
        if (_host.AuditFailure is { } auditFailure)
        {
            // Fail secure: a call that cannot be audited is not performed.
            throw new RpcException(RpcErrorCode.PermissionDenied, $"'{PluginId}' was refused: {auditFailure}");
        }

        switch (method)
        {
            case ProtocolMethods.HostHttpRequest:
                return await HttpAsync(Read(parameters, ProtocolJsonContext.Default.HttpRequestParams), cancellationToken).ConfigureAwait(false);
            case ProtocolMethods.HostServiceCall:
                return await ServiceAsync(Read(parameters, ProtocolJsonContext.Default.ServiceCallParams), cancellationToken).ConfigureAwait(false);
            case ProtocolMethods.HostConfigGet:
                {
                    var p = Read(parameters, ProtocolJsonContext.Default.ConfigGetParams);
                    await AuthorizeAsync($"config:read={CheckKey(p.Key)}", AuditActions.ServiceCall, p.Key).ConfigureAwait(false);
                    RequireInstalled("configuration");
                    var text = _host.Store.GetConfig(PluginId, p.Key);
                    JsonElement? value = text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
                    return Serialize(new ValueResult(value), ProtocolJsonContext.Default.ValueResult);
                }

            case ProtocolMethods.HostConfigSet:
                {
                    var p = Read(parameters, ProtocolJsonContext.Default.ConfigSetParams);
                    await AuthorizeAsync($"config:write={CheckKey(p.Key)}", AuditActions.ServiceCall, p.Key).ConfigureAwait(false);
                    RequireInstalled("configuration");
                    var written = _host.Store.SetConfig(PluginId, p.Key, p.Value.GetRawText(), _host.ConfigQuotaBytes);
                    if (written == KvWriteResult.QuotaExceeded)
                    {
                        var quota = ProtocolSize(_host.ConfigQuotaBytes);
                        await DenyAsync($"config:write={p.Key}", p.Key, "broker", AuditActions.ServiceBlocked, $"over the configuration quota of {quota}").ConfigureAwait(false);
                        throw new RpcException(RpcErrorCode.InvalidParams, $"the configuration of '{PluginId}' would pass its quota of {quota} (keys and values); nothing was stored — overwrite keys it no longer needs with smaller values, or ask the host to raise PluginHostOptions.ConfigQuotaKb");
                    }

                    if (written == KvWriteResult.PluginNotFound)
                    {
                        throw NotInstalled("configuration");
                    }

                    return null;
                }

            case ProtocolMethods.HostKvGet:
                {
                    var p = Read(parameters, ProtocolJsonContext.Default.KvKeyParams);
                    var (ns, key) = SplitKey(p.Key);
                    await AuthorizeAsync($"database:read={ns}", null, p.Key).ConfigureAwait(false);
                    RequireInstalled("key-value store");
                    var bytes = _host.Store.GetValue(PluginId, ns, key);
                    return Serialize(new KvValueResult(bytes is null ? null : Encoding.UTF8.GetString(bytes)), ProtocolJsonContext.Default.KvValueResult);
                }

            case ProtocolMethods.HostKvSet:
                {
                    var p = Read(parameters, ProtocolJsonContext.Default.KvSetParams);
                    var (ns, key) = SplitKey(p.Key);
                    await AuthorizeAsync($"database:write={ns}", null, p.Key).ConfigureAwait(false);
                    RequireInstalled("key-value store");
                    var result = _host.Store.SetValue(PluginId, ns, key, Encoding.UTF8.GetBytes(p.Value), _host.KeyValueQuotaBytes);
                    if (result == KvWriteResult.QuotaExceeded)
                    {
                        throw new RpcException(RpcErrorCode.InvalidParams, $"the key-value store of '{PluginId}' is over its quota of {_host.KeyValueQuotaBytes / 1024 / 1024} MiB; nothing was stored — delete keys it no longer needs");
                    }

                    if (result == KvWriteResult.PluginNotFound)
                    {
                        throw NotInstalled("key-value store");
                    }

                    return null;
                }

            case ProtocolMethods.HostKvDelete:
                {
                    var p = Read(parameters, ProtocolJsonContext.Default.KvKeyParams);
                    var (ns, key) = SplitKey(p.Key);
                    await AuthorizeAsync($"database:write={ns}", null, p.Key).ConfigureAwait(false);
                    RequireInstalled("key-value store");
                    return Serialize(new KvDeleteResult(_host.Store.DeleteValue(PluginId, ns, key)), ProtocolJsonContext.Default.KvDeleteResult);
                }

            case ProtocolMethods.HostKvList:
                {
                    var p = Read(parameters, ProtocolJsonContext.Default.KvListParams);
                    var (ns, prefix) = SplitKey(p.Prefix ?? "");
                    await AuthorizeAsync($"database:read={ns}", null, p.Prefix).ConfigureAwait(false);
                    RequireInstalled("key-value store");
                    var keys = _host.Store.ListKeys(PluginId, ns, prefix.Length == 0 ? null : prefix);
                    var full = ns == DefaultNamespace ? keys : [.. keys.Select(k => $"{ns}/{k}")];
                    return Serialize(new KvListResult(full), ProtocolJsonContext.Default.KvListResult);
                }

            case ProtocolMethods.HostPermissionRequest:
                return await PermissionRequestAsync(Read(parameters, ProtocolJsonContext.Default.PermissionRequestParams), cancellationToken).ConfigureAwait(false);

            default:
                throw RpcException.MethodNotFound(method);
        }
    }

    /// <summary>
    /// Configuration and the key-value store are kept in the store under the installed plugin; a plugin loaded from
    /// a folder has no row there, so a write would be lost. Say so instead of pretending it was stored.
    /// </summary>
    private void RequireInstalled(string what)
    {
        if (!_slot.Plugin.IsInstalled)
        {
            throw NotInstalled(what);
        }
    }

    private RpcException NotInstalled(string what) =>
        new(RpcErrorCode.NotFound, $"'{PluginId}' is not installed, so the host keeps no {what} for it; install it with 'stockade install <its folder>' (or PluginInstaller.Install) and load it by id");

    public async ValueTask HandleNotificationAsync(string method, JsonElement? parameters, CancellationToken cancellationToken)
    {
        switch (method)
        {
            case ProtocolMethods.HostLog:
                RecordLog(parameters);
                break;
            case ProtocolMethods.HostDenial:
                await RecordKernelDenialAsync(Read(parameters, ProtocolJsonContext.Default.DenialParams)).ConfigureAwait(false);
                break;
            default:
                throw RpcException.MethodNotFound(method);
        }
    }

    /// <summary>True when the policy (or a grant given for this worker's lifetime) allows <paramref name="permissionText"/>.</summary>
    internal bool IsGranted(string permissionText)
    {
        if (!Permission.TryParse(permissionText, _host.Catalog, out var permission, out _))
        {
            return false;
        }

        if (_host.CurrentPolicy(_slot).Check(permission).IsGranted)
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

    private async ValueTask AuthorizeAsync(string permission, string? auditAction, string? resource)
    {
        if (!IsGranted(permission))
        {
            await DenyAsync(permission, resource, "broker", AuditActions.PermissionDenied).ConfigureAwait(false);
            throw Denied(permission, $"'{PluginId}' is not granted {permission}");
        }

        await RateLimitAsync(permission).ConfigureAwait(false);
        if (auditAction is not null)
        {
            await AuditAllowedAsync(new AuditEntry(auditAction, AuditDecision.Allow, AuditLayer.Broker) { Plugin = PluginId, Permission = permission, Resource = resource }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sequences the record of an allowed call into the audit queue before the call is performed, without waiting
    /// for the disk (DESIGN §3 order kept: check → rate limit → audit → perform). If the write later fails, this
    /// worker is stopped and the host refuses every further brokered call (see <see cref="OnAuditLost"/>).
    /// </summary>
    private async ValueTask AuditAllowedAsync(AuditEntry entry)
    {
        AdmitPerformed(entry);
        var written = await _host.AuditQueuedAsync(entry).ConfigureAwait(false);
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

    private void OnAuditLost(AggregateException? error)
    {
        var failure = error?.InnerException as AuditWriteException
            ?? new AuditWriteException($"the audit record could not be written: {error?.InnerException?.Message}", error?.InnerException ?? error!);
        _host.RefuseBrokeredCalls(failure);
        Log.AuditLostWorkerStopped(_host.Logger, PluginId);
        var worker = _slot.Worker;
        if (worker is not null && !worker.HasExited && ReferenceEquals(_slot.Broker, this))
        {
            var message = $"stopped because the audit record of one of its brokered calls could not be written ({failure.Message}); fix the audit folder and restart the host";
            _slot.ResourceKill = ("audit", message);
            worker.Kill($"audit: {failure.Message}");
            _host.RaiseKilled(PluginId, message);
        }
    }

    private async ValueTask RateLimitAsync(string permission)
    {
        var decision = _host.RateLimiter.TryAcquire(PluginId, permission);
        if (decision.IsAllowed)
        {
            return;
        }

        var retryMs = (long)Math.Ceiling(decision.RetryAfter.TotalMilliseconds);
        await NoteAsync(new AuditEntry(AuditActions.PermissionDenied, AuditDecision.Deny, AuditLayer.Broker)
        {
            Plugin = PluginId,
            Permission = permission,
            Details = new Dictionary<string, string> { ["reason"] = "rate_limited", ["retryAfterMs"] = retryMs.ToString(CultureInfo.InvariantCulture) },
        }).ConfigureAwait(false);
        throw new RpcException(RpcErrorCode.RateLimited, $"'{PluginId}' is over its rate limit for {permission}; retry after {retryMs} ms",
            JsonSerializer.SerializeToElement(new { retryAfterMs = retryMs, permission }));
    }

    private async Task<JsonElement?> HttpAsync(HttpRequestParams p, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in p.Headers ?? new Dictionary<string, string[]>())
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value));
            }
        }

        // Rate limit before performing, so that a refused request never leaves the host. Only a granted
        // destination counts: an ungranted one is refused (and audited) by the egress check below instead.
        var host = Uri.TryCreate(p.Url, UriKind.Absolute, out var uri) ? $"{uri.IdnHost}:{uri.Port}" : p.Url;
        var permission = $"network:request={host}";
        if (uri is not null && IsGranted(permission))
        {
            await RateLimitAsync(permission).ConfigureAwait(false);
        }

        var egress = new PolicyEgress(IsGranted);
        var result = await _host.Http.SendAsync(new BrokeredHttpRequest(p.Method, p.Url, headers, p.Body), egress, cancellationToken).ConfigureAwait(false);
        if (!result.IsResponse)
        {
            if (result.Code == RpcErrorCode.PermissionDenied)
            {
                await DenyAsync(result.Permission, p.Url, "broker", AuditActions.NetworkBlocked, result.Message).ConfigureAwait(false);
                throw Denied(result.Permission, result.Message ?? "request refused");
            }

            throw new RpcException(result.Code!, result.Message ?? "request failed");
        }

        await AuditAllowedAsync(new AuditEntry(AuditActions.NetworkRequest, AuditDecision.Allow, AuditLayer.Broker)
        {
            Plugin = PluginId,
            Permission = permission,
            Resource = uri is null ? p.Url : uri.GetLeftPart(UriPartial.Path),
            Details = new Dictionary<string, string> { ["method"] = p.Method, ["status"] = result.Status.ToString(CultureInfo.InvariantCulture), ["bytes"] = result.Body.Length.ToString(CultureInfo.InvariantCulture) },
        }).ConfigureAwait(false);
        var responseHeaders = result.Headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Select(h => h.Value).ToArray(), StringComparer.OrdinalIgnoreCase);
        return Serialize(new HttpResponseResult(result.Status, responseHeaders, result.Body), ProtocolJsonContext.Default.HttpResponseResult);
    }

    private async Task<JsonElement?> ServiceAsync(ServiceCallParams p, CancellationToken cancellationToken)
    {
        var result = await _host.Services.CallAsync(PluginId, p.Service, p.Method, p.Args, IsGranted, cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess)
        {
            await RateLimitAsync(result.Permission ?? $"{p.Service}:call").ConfigureAwait(false);
            if (result.Audited)
            {
                await AuditAllowedAsync(new AuditEntry(AuditActions.ServiceCall, AuditDecision.Allow, AuditLayer.Broker) { Plugin = PluginId, Permission = result.Permission, Resource = $"{p.Service}.{p.Method}" }).ConfigureAwait(false);
            }

            return result.Value;
        }

        if (result.Code == RpcErrorCode.PermissionDenied)
        {
            await DenyAsync(result.Permission, $"{p.Service}.{p.Method}", "broker", AuditActions.ServiceBlocked).ConfigureAwait(false);
            throw Denied(result.Permission, result.Message ?? "refused");
        }

        JsonElement? data = result.RetryAfter is { } retry ? JsonSerializer.SerializeToElement(new { retryAfterMs = (long)retry.TotalMilliseconds }) : null;

        throw new RpcException(result.Code ?? RpcErrorCode.Internal, result.Message ?? "service call failed", data);
    }

    private async Task<JsonElement?> PermissionRequestAsync(PermissionRequestParams p, CancellationToken cancellationToken)
    {
        if (!Permission.TryParse(p.Permission, _host.Catalog, out var permission, out var error))
        {
            throw new RpcException(RpcErrorCode.InvalidParams, $"'{p.Permission}' is not a permission: {error}");
        }

        await NoteAsync(new AuditEntry(AuditActions.PermissionRequested, AuditDecision.Info, AuditLayer.Broker) { Plugin = PluginId, Permission = permission.ToString(), Details = new Dictionary<string, string> { ["reason"] = Truncate(p.Reason, 500) } }).ConfigureAwait(false);
        if (IsGranted(permission.ToString()))
        {
            return Serialize(new PermissionRequestResult(true), ProtocolJsonContext.Default.PermissionRequestResult);
        }

        var decision = _host.CurrentPolicy(_slot).Check(permission);
        if (decision.Kind != DecisionKind.OptionalAsk)
        {
            await DenyAsync(permission.ToString(), null, "broker", AuditActions.PermissionDenied, decision.Reason).ConfigureAwait(false);
            return Serialize(new PermissionRequestResult(false), ProtocolJsonContext.Default.PermissionRequestResult);
        }

        if (_host.Catalog.TryGetCategory(permission.Category, out var category) && !category.GrantableAtRunTime)
        {
            // The category says why (kernel rules are fixed at start; 'stockade grant' restarts the worker).
            await DenyAsync(permission.ToString(), null, "broker", AuditActions.PermissionDenied, $"{category.Summary}: it cannot be granted at run time; use 'stockade grant'").ConfigureAwait(false);
            return Serialize(new PermissionRequestResult(false), ProtocolJsonContext.Default.PermissionRequestResult);
        }

        var answer = _host.PermissionPrompt is { } prompt
            ? await prompt.AskAsync(PluginId, permission.ToString(), p.Reason, cancellationToken).ConfigureAwait(false)
            : PermissionAnswer.Deny;
        switch (answer)
        {
            case PermissionAnswer.AllowOnce:
                _sessionGrants[permission.ToString()] = permission;
                break;
            case PermissionAnswer.AllowAlways:
                _sessionGrants[permission.ToString()] = permission;
                if (_slot.Plugin.IsInstalled)
                {
                    _host.Store.SetGrant(new GrantRecord(PluginId, permission.ToString(), true, true, DateTimeOffset.UtcNow, "prompt"));
                }

                break;
        }

        var granted = answer != PermissionAnswer.Deny;
        var answered = new AuditEntry(granted ? AuditActions.PermissionGranted : AuditActions.PermissionDenied, granted ? AuditDecision.Allow : AuditDecision.Deny, AuditLayer.Broker)
        {
            Plugin = PluginId,
            Permission = permission.ToString(),
            Details = new Dictionary<string, string> { ["answer"] = answer.ToString() },
        };
        AdmitPerformed(answered);
        await _host.AuditEntryAsync(answered).ConfigureAwait(false);
        return Serialize(new PermissionRequestResult(granted), ProtocolJsonContext.Default.PermissionRequestResult);
    }

    private async Task RecordKernelDenialAsync(DenialParams p)
    {
        var path = p.Path is null ? null : Truncate(p.Path, 4096);
        var operation = p.Operation ?? "access";
        var action = operation switch
        {
            "write" => AuditActions.FileWrite,
            "delete" => AuditActions.FileDelete,
            "read" or "list" => AuditActions.FileRead,
            _ => p.Kind == "file" ? AuditActions.FileRead : AuditActions.SyscallBlocked,
        };
        var permission = p.Kind == "file" && path is not null && path.StartsWith('/')
            ? $"file:{(operation is "write" or "delete" ? operation : "read")}={path}"
            : null;
        await DenyAsync(permission, path, "kernel", action, $"errno {p.Errno}", operation).ConfigureAwait(false);
    }

    private async ValueTask DenyAsync(string? permission, string? resource, string layer, string action, string? reason = null, string? operation = null)
    {
        // The host's own record of what it refused: the only source of a 'stockade grant' hint.
        _denials.Enqueue(new DenialInfo(operation ?? action, resource ?? action, permission, layer == "kernel" ? "Landlock" : "broker"));
        while (_denials.Count > 32)
        {
            _denials.TryDequeue(out _);
        }

        Interlocked.Increment(ref _denialCount);
        var details = reason is null ? null : new Dictionary<string, string> { ["reason"] = reason };
        var entry = new AuditEntry(action, AuditDecision.Deny, layer == "kernel" ? AuditLayer.Kernel : AuditLayer.Broker)
        {
            Plugin = PluginId,
            Permission = permission,
            Resource = resource,
            Details = details,
        };
        if (!await NoteAsync(entry).ConfigureAwait(false))
        {
            return; // summarised (or the worker is being ended): no log line or event per attempt either
        }

        Log.Denied(_host.Logger, PluginId, permission, resource, layer);
        _host.RaiseDenied(PluginId, permission is null
            ? $"refused by the {layer}: {resource}"
            : $"refused {permission} by the {layer}; to allow it: {GrantAdvice.Command(PluginId, permission)}");
    }

    /// <summary>
    /// Writes a record of something the worker asked for and was not given (a denial, a refusal, a request): the first
    /// ones of each interval one by one, the rest in a summary (<see cref="AuditBudget"/>). True when written one by one.
    /// A worker over its audit budget is ended.
    /// </summary>
    private async ValueTask<bool> NoteAsync(AuditEntry entry)
    {
        switch (_auditBudget.Admit(entry, summarisable: true))
        {
            case AuditAdmission.Write:
                await _host.AuditEntryAsync(entry).ConfigureAwait(false);
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
        Log.AuditBudgetExceeded(_host.Logger, PluginId, reason);
        var message = $"ended: it made the host write {reason}; its flood is summarised in the audit log. Find out why it floods before running it again";
        _host.Audit.Append(new AuditEntry(AuditActions.PluginKilled, AuditDecision.Deny, AuditLayer.Broker)
        {
            Plugin = PluginId,
            Details = new Dictionary<string, string> { ["reason"] = "audit_budget", ["detail"] = reason },
        });
        FlushSummaries();
        var worker = Worker;
        if (worker is null || worker.HasExited)
        {
            return;
        }

        if (ReferenceEquals(_slot.Worker, worker))
        {
            _slot.ResourceKill = ("audit", message);
        }

        worker.Kill($"audit budget: {reason}");
        _host.RaiseKilled(PluginId, message);
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
                _host.Audit.Append(summary);
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
            Log.PluginLogDropped(_host.Logger, PluginId, lines, bytes, $"{_host.Budgets.LogLinesPerInterval} lines or {_host.Budgets.LogKbPerInterval} KiB in {AuditBudget.Describe(_host.Budgets.Interval)}");
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

            _flushTimer = _host.Time.CreateTimer(
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
                _host.Budgets.Interval,
                Timeout.InfiniteTimeSpan);
        }
    }

    // host.log: read without turning the whole message into a string (a 16 MiB line would cost 32 MiB of UTF-16 to keep
    // 4,000 characters of it), counted in the log budget.
    private void RecordLog(JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } element
            || !element.TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.String)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "host.log needs params {\"level\": ..., \"message\": \"...\"}");
        }

        var raw = JsonMarshal.GetRawUtf8Value(message);
        if (!_logBudget.Admit(raw.Length))
        {
            ScheduleFlush();
            return;
        }

        const int MaxChars = 4000;
        var text = raw.Length <= MaxChars * 4
            ? message.GetString()!
            : Encoding.UTF8.GetString(raw[..(MaxChars * 4)]); // escapes stay visible, as written
        Log.PluginLog(_host.Logger, PluginId, Truncate(text, MaxChars));
    }

    private static string ProtocolSize(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / 1024 / 1024} MiB" : $"{bytes / 1024} KiB";

    private static RpcException Denied(string? permission, string message)
    {
        JsonElement? data = permission is null ? null : JsonSerializer.SerializeToElement(new { permission });
        return new RpcException(RpcErrorCode.PermissionDenied, message, data);
    }

    private static (string Namespace, string Key) SplitKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? (CheckKey(key[..slash]), key[(slash + 1)..]) : (DefaultNamespace, key);
    }

    private static string CheckKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 256 || key.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '='))
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "keys are 1–256 characters without spaces, control characters or '='");
        }

        return key;
    }

    private static T Read<T>(JsonElement? parameters, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } element)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "params must be an object");
        }

        try
        {
            return element.Deserialize(type) ?? throw new RpcException(RpcErrorCode.InvalidParams, "params must be an object");
        }
        catch (JsonException ex)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, $"params do not match: {ex.Message}");
        }
    }

    private static JsonElement Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.SerializeToElement(value, type);

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
