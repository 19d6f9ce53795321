using System.Net;
using Microsoft.Extensions.Logging;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Http;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Broker.RateLimiting;
using Stockade.Hosting.Monitoring;
using Stockade.Hosting.Store;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    private BrokeredHttp? _http;
    private BrokerRateLimiter? _rateLimiter;
    private string? _auditFailure;

    internal ILogger Logger => _logger;

    private CatalogCache? _catalog;

    /// <summary>
    /// The permission catalog: built-in categories plus those the host services declare, and the host's path
    /// aliases (<see cref="PluginHostOptions.Aliases"/>). Built once per
    /// set of registered services (the registry publishes a new list on each registration), since the
    /// broker consults it on every call.
    /// </summary>
    internal PermissionCatalog Catalog
    {
        get
        {
            var declaredPermissions = Services.DeclaredPermissions;
            var version = Volatile.Read(ref _categoriesVersion);
            if (Volatile.Read(ref _catalog) is { } cached && ReferenceEquals(cached.Source, declaredPermissions) && cached.Version == version)
            {
                return cached.Catalog;
            }

            var catalog = BuildCatalog(declaredPermissions); // PluginHost.Categories.cs: built-ins, the home's recorded categories, this host's
            Volatile.Write(ref _catalog, new CatalogCache(declaredPermissions, version, catalog));
            return catalog;
        }
    }

    /// <summary>Per-plugin configuration quota (1 MiB unless the host says otherwise).</summary>
    internal long ConfigQuotaBytes => _options.ConfigQuotaKb * 1024L;

    /// <summary>The budgets of what workers send (bytes in flight, audit records, log lines).</summary>
    internal Broker.Budgets.BudgetOptions Budgets => _options.Budgets;

    /// <summary>The host-wide pool of bytes in flight from workers; every worker's own budget draws on it.</summary>
    internal Protocol.ByteBudget InFlightBudget => LazyInitializer.EnsureInitialized(ref _inFlight, () => new Protocol.ByteBudget(_options.Budgets.HostInFlightMb * 1024L * 1024L));

    private Protocol.ByteBudget? _inFlight;

    /// <summary>A new budget for one worker's bytes in flight, drawing on <see cref="InFlightBudget"/>.</summary>
    internal Protocol.PeerByteBudget NewWorkerBudget() => new(_options.Budgets.WorkerInFlightMb * 1024L * 1024L, InFlightBudget);

    /// <summary>Per-plugin key-value quota (64 MiB unless the host says otherwise).</summary>
    internal long KeyValueQuotaBytes => _options.KeyValueQuotaMb * 1024L * 1024L;

    internal BrokeredHttp Http => LazyInitializer.EnsureInitialized(ref _http, () =>
        _options.NameResolver is { } resolve
            ? new BrokeredHttp(_options.Http, resolve)
            : new BrokeredHttp(_options.Http));

    internal BrokerRateLimiter RateLimiter => LazyInitializer.EnsureInitialized(ref _rateLimiter, () =>
        new BrokerRateLimiter([], refusal => Watchdog.ReportViolation(refusal.PluginId, $"rate limit of {refusal.Rule.PermissionPattern} exceeded")));

    /// <summary>
    /// Why brokered calls are refused, or null while they may go ahead: after the audit log lost records (stays set until
    /// the host is restarted), or while the space held for audit records runs low (<see cref="AuditLog.AdmissionRefusal"/>,
    /// clears once space is freed). A call that cannot be audited is not performed (fail secure).
    /// </summary>
    internal string? AuditFailure => Volatile.Read(ref _auditFailure) ?? Audit.AdmissionRefusal;

    /// <summary>Test seam: wraps the parts a new broker is given (a probe of the pipeline's order). Set before loading.</summary>
    internal Func<BrokerPorts, BrokerPorts>? BrokerPortsDecorator { get; set; }

    /// <summary>A broker for a new worker of <paramref name="slot"/>: the narrow parts of this host it may use, and nothing else.</summary>
    internal PluginBroker NewBroker(PluginSlot slot)
    {
        var ports = new BrokerPorts(
            slot.Id,
            new SlotGrants(this, slot),
            new BrokerAuditSink(this),
            new PluginData(Store, slot.Id, slot.Plugin.IsInstalled, ConfigQuotaBytes, KeyValueQuotaBytes),
            Services,
            Http,
            RateLimiter,
            new SlotEvents(this, slot),
            () => PermissionPrompt,
            Budgets,
            Time);
        return new PluginBroker(BrokerPortsDecorator is { } decorate ? decorate(ports) : ports) { Telemetry = _telemetry };
    }

    /// <summary>Refuses every further brokered call, naming the audit failure (the first reason is kept).</summary>
    internal void RefuseBrokeredCalls(AuditWriteException failure)
    {
        var reason = $"the audit log in {Audit.Directory} could not be written ({failure.Message}); brokered calls are refused "
            + "because they cannot be audited: fix the audit folder (free space, permissions, a stray file or folder in the way) and restart the host";
        if (Interlocked.CompareExchange(ref _auditFailure, reason, null) is null)
        {
            Log.AuditFailedBrokerClosed(_logger, failure, Audit.Directory);
        }
    }

    private void OnAuditWriteFailed(object? sender, AuditWriteFailedEventArgs e)
    {
        // Records lost (not a late fsync or head update): what a broker queued may not be on file.
        if (e.RecordsLost > 0)
        {
            RefuseBrokeredCalls(e.Exception);
        }
    }

    internal void RaiseDenied(string pluginId, string message) => Raise(pluginId, PluginEventKind.PermissionDenied, message);

    internal void RaiseKilled(string pluginId, string message) => Raise(pluginId, PluginEventKind.Killed, message);

    /// <summary>The host's audit log as a broker may use it.</summary>
    private sealed class BrokerAuditSink(PluginHost host) : IBrokerAuditSink
    {
        public string? Failure => host.AuditFailure;

        public ValueTask<Task<AuditRecord>> QueueAsync(AuditEntry entry) => host.Audit.QueueAsync(entry);

        public ValueTask<AuditRecord> AppendAsync(AuditEntry entry) => host.Audit.AppendAsync(entry);

        public void Append(AuditEntry entry) => host.Audit.Append(entry);

        public void Lost(AuditWriteException failure) => host.RefuseBrokeredCalls(failure);
    }

    /// <summary>One installed plugin's configuration and key-value rows in the store.</summary>
    private sealed class PluginData(StockadeStore store, string pluginId, bool installed, long configQuota, long kvQuota) : IPluginData
    {
        public bool IsInstalled => installed;

        public long ConfigQuotaBytes => configQuota;

        public long KeyValueQuotaBytes => kvQuota;

        public string? GetConfig(string key) => store.GetConfig(pluginId, key);

        public KvWriteResult SetConfig(string key, string json) => store.SetConfig(pluginId, key, json, configQuota);

        public byte[]? GetValue(string ns, string key) => store.GetValue(pluginId, ns, key);

        public KvWriteResult SetValue(string ns, string key, byte[] value) => store.SetValue(pluginId, ns, key, value, kvQuota);

        public bool DeleteValue(string ns, string key) => store.DeleteValue(pluginId, ns, key);

        public IReadOnlyList<string> ListKeys(string ns, string? prefix) => store.ListKeys(pluginId, ns, prefix);
    }

    /// <summary>Events for the application about one plugin, and ending its worker.</summary>
    private sealed class SlotEvents(PluginHost host, PluginSlot slot) : IBrokerEvents
    {
        public ILogger Logger => host._logger;

        public ILogger PluginLogger(string? category) => slot.Loggers?.For(category) ?? host._logger;

        public TimeSpan PromptTimeout => host._options.PermissionPromptTimeout;

        public IDisposable PauseCallTimeouts() => slot.Pauses.Pause();

        public void Denied(string message) => host.RaiseDenied(slot.Id, message);

        public void EndWorker(PluginBroker broker, WorkerProcess? worker, string resource, string message, string reason, bool onlyIfCurrent)
        {
            if (onlyIfCurrent)
            {
                worker = slot.Worker;
                if (!ReferenceEquals(slot.Broker, broker))
                {
                    return;
                }
            }

            if (worker is null || worker.HasExited)
            {
                return;
            }

            if (ReferenceEquals(slot.Worker, worker))
            {
                slot.ResourceKill = ResourceKill.Reported(resource, "broker", message);
            }

            worker.Kill(reason);
            host.RaiseKilled(slot.Id, message);
        }
    }

    /// <summary>One immutable pair, swapped atomically, so a reader never sees a catalog with another list's source.</summary>
    private sealed record CatalogCache(IReadOnlyList<string> Source, int Version, PermissionCatalog Catalog);
}
