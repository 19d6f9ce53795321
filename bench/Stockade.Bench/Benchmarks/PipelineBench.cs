using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.Http;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Broker.RateLimiting;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Store;
using Stockade.Hosting.Workers;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// The real <see cref="BrokerPipeline"/> (issue 15) around a handler that does nothing: what the one ordered pipeline
/// costs per call — dispatch, the permission parsed and checked against the same 100-rule policy, rate limit, the
/// policy gate, the audit budget and the record sequenced into the real audit log — so it can be compared, in the same
/// run, with <see cref="BrokerBenchmark"/>'s hand-written copy of the former path.
/// </summary>
internal static class PipelineBench
{
    public const string Permission = "network:request=api97.example.com:443";

    /// <summary>The resource and action of the record, the same on both sides.</summary>
    public const string Resource = "https://api97.example.com/v1/items";

    /// <inheritdoc cref="Resource"/>
    public const string Action = AuditActions.NetworkRequest;

    public static (PluginBroker Broker, Func<ValueTask> Call) Create(SandboxPolicy policy, AuditLog audit, BrokerRateLimiter limiter)
    {
        var pipeline = new BrokerPipeline([new NothingHandler()]);
        var ports = new BrokerPorts(
            "com.example.bench",
            new FixedGrants(policy),
            new Sink(audit),
            new NoData(),
            new HostServiceRegistry(),
            new BrokeredHttp(new BrokerHttpOptions()),
            limiter,
            new NoEvents(),
            static () => null,
            new BudgetOptions { AuditMaxRecordsPerInterval = 100_000_000, AuditMaxKbPerInterval = 1 << 24 },
            TimeProvider.System);
        var broker = new PluginBroker(ports, pipeline);
        JsonElement? parameters = JsonDocument.Parse("{}").RootElement.Clone();
        return (broker, () => Discard(broker.HandleRequestAsync(Method, parameters, CancellationToken.None)));
    }

    /// <summary>The bench's one method, served by a handler that does nothing.</summary>
    public const string Method = "host.bench";

    /// <summary>The call's answer dropped without a state machine of the bench's own (the same wrapper on both sides).</summary>
    public static ValueTask Discard(ValueTask<JsonElement?> call) => call.IsCompletedSuccessfully ? default : new ValueTask(call.AsTask());

    private sealed class NothingHandler : IBrokerHandler
    {
        public IReadOnlyList<string> Methods { get; } = [PipelineBench.Method];

        public BrokerAudit Audit => BrokerAudit.BeforePerform;

        public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters) => new()
        {
            Method = method,
            Permission = Permission,
            Resource = Resource,
            AllowAction = Action,
        };

        public ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken) => default;
    }

    private sealed class FixedGrants(SandboxPolicy policy) : IPluginGrants
    {
        public PermissionCatalog Catalog => PermissionCatalog.Default;

        public PolicyGate Gate { get; } = new();

        public SandboxPolicy CurrentPolicy() => policy;

        public ValueTask RememberAsync(Permission permission, AuditEntry record) => default;
    }

    private sealed class Sink(AuditLog audit) : IBrokerAuditSink
    {
        public string? Failure => audit.AdmissionRefusal; // as the host's sink: the reserve check on every call

        public ValueTask<Task<AuditRecord>> QueueAsync(AuditEntry entry) => audit.QueueAsync(entry);

        public ValueTask<AuditRecord> AppendAsync(AuditEntry entry) => audit.AppendAsync(entry);

        public void Append(AuditEntry entry) => audit.Append(entry);

        public void Lost(AuditWriteException failure) => throw new InvalidOperationException("bench audit write failed", failure);
    }

    private sealed class NoData : IPluginData
    {
        public bool IsInstalled => false;

        public long ConfigQuotaBytes => 0;

        public long KeyValueQuotaBytes => 0;

        public string? GetConfig(string key) => null;

        public KvWriteResult SetConfig(string key, string json) => KvWriteResult.PluginNotFound;

        public byte[]? GetValue(string ns, string key) => null;

        public KvWriteResult SetValue(string ns, string key, byte[] value) => KvWriteResult.PluginNotFound;

        public bool DeleteValue(string ns, string key) => false;

        public IReadOnlyList<string> ListKeys(string ns, string? prefix) => [];
    }

    private sealed class NoPause : IDisposable
    {
        public static readonly NoPause Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class NoEvents : IBrokerEvents
    {
        public ILogger Logger => NullLogger.Instance;

        public TimeSpan PromptTimeout => TimeSpan.FromSeconds(60);

        public ILogger PluginLogger(string? category) => NullLogger.Instance;

        public IDisposable PauseCallTimeouts() => NoPause.Instance;

        public void Denied(string message)
        {
        }

        public void EndWorker(PluginBroker broker, WorkerProcess? worker, string resource, string message, string reason, bool onlyIfCurrent)
        {
        }
    }
}
