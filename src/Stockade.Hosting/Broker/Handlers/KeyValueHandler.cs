using System.Text;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Store;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.kv.*</c>: the plugin's key-value store, kept by the host for an installed plugin. Keys are
/// <c>namespace/key</c>; reads and lists need <c>database:read=NAMESPACE</c>, writes and deletes
/// <c>database:write=NAMESPACE</c>. Audited like every other brokered call (issue 15): a <c>service.call</c>
/// record (resource <c>kv:namespace/key</c>, detail <c>op</c>; never the value) is sequenced before the store is
/// touched. Allowed calls are counted in the worker's audit budget like any performed call.
/// </summary>
internal sealed class KeyValueHandler : IBrokerHandler
{
    public IReadOnlyList<string> Methods { get; } = [ProtocolMethods.HostKvGet, ProtocolMethods.HostKvSet, ProtocolMethods.HostKvDelete, ProtocolMethods.HostKvList];

    public BrokerAudit Audit => BrokerAudit.BeforePerform;

    public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters)
    {
        switch (method)
        {
            case ProtocolMethods.HostKvGet:
            case ProtocolMethods.HostKvDelete:
                {
                    var p = BrokerJson.Read(parameters, ProtocolJsonContext.Default.KvKeyParams);
                    var (ns, key) = BrokerJson.SplitKey(p.Key ?? string.Empty);
                    return Call(method, method == ProtocolMethods.HostKvGet ? "read" : "write", ns, key, null);
                }

            case ProtocolMethods.HostKvSet:
                {
                    var p = BrokerJson.Read(parameters, ProtocolJsonContext.Default.KvSetParams);
                    var (ns, key) = BrokerJson.SplitKey(p.Key ?? string.Empty);
                    return Call(method, "write", ns, key, p.Value ?? string.Empty);
                }

            default:
                {
                    var p = BrokerJson.Read(parameters, ProtocolJsonContext.Default.KvListParams);
                    var (ns, prefix) = BrokerJson.SplitKey(p.Prefix ?? string.Empty);
                    return Call(method, "read", ns, prefix, null);
                }
        }
    }

    public ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        var data = session.Ports.Data;
        if (!data.IsInstalled)
        {
            throw session.NotInstalled("key-value store");
        }

        var (ns, key, value) = (Key)call.State!;
        JsonElement? reply;
        switch (call.Method)
        {
            case ProtocolMethods.HostKvGet:
                var bytes = data.GetValue(ns, key);
                reply = BrokerJson.Serialize(new KvValueResult(bytes is null ? null : Encoding.UTF8.GetString(bytes)), ProtocolJsonContext.Default.KvValueResult);
                break;
            case ProtocolMethods.HostKvSet:
                var result = data.SetValue(ns, key, Encoding.UTF8.GetBytes(value!));
                if (result == KvWriteResult.QuotaExceeded)
                {
                    throw new RpcException(RpcErrorCode.InvalidParams, $"the key-value store of '{session.PluginId}' is over its quota of {data.KeyValueQuotaBytes / 1024 / 1024} MiB; nothing was stored — delete keys it no longer needs");
                }

                reply = result == KvWriteResult.PluginNotFound ? throw session.NotInstalled("key-value store") : null;
                break;
            case ProtocolMethods.HostKvDelete:
                reply = BrokerJson.Serialize(new KvDeleteResult(data.DeleteValue(ns, key)), ProtocolJsonContext.Default.KvDeleteResult);
                break;
            default:
                var keys = data.ListKeys(ns, key.Length == 0 ? null : key);
                var full = ns == BrokerJson.DefaultNamespace ? keys : [.. keys.Select(k => $"{ns}/{k}")];
                reply = BrokerJson.Serialize(new KvListResult(full), ProtocolJsonContext.Default.KvListResult);
                break;
        }

        return new ValueTask<JsonElement?>(reply);
    }

    private static BrokerCall Call(string method, string access, string ns, string key, string? value) => new()
    {
        Method = method,
        Permission = $"database:{access}={ns}",
        Resource = $"kv:{ns}/{key}",
        AllowAction = AuditActions.ServiceCall,
        Details = new Dictionary<string, string> { ["op"] = method["host.".Length..] },
        State = new Key(ns, key, value),
    };

    private sealed record Key(string Namespace, string Name, string? Value);
}
