using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Store;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.config.get</c> / <c>host.config.set</c>: the plugin's configuration, kept by the host for an installed
/// plugin. Needs <c>config:read=KEY</c> / <c>config:write=KEY</c>. Audited (<c>service.call</c>, resource the key;
/// never the value), sequenced before the store is read or written. A write over the quota is refused after its
/// allow record, with a <c>service.blocked</c> record, and nothing is stored.
/// </summary>
internal sealed class ConfigHandler : IBrokerHandler
{
    public IReadOnlyList<string> Methods { get; } = [ProtocolMethods.HostConfigGet, ProtocolMethods.HostConfigSet];

    public BrokerAudit Audit => BrokerAudit.BeforePerform;

    public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters)
    {
        if (method == ProtocolMethods.HostConfigGet)
        {
            var get = BrokerJson.Read(parameters, ProtocolJsonContext.Default.ConfigGetParams);
            return Call(method, $"config:read={BrokerJson.CheckKey(get.Key)}", get.Key, null);
        }

        var set = BrokerJson.Read(parameters, ProtocolJsonContext.Default.ConfigSetParams);
        return Call(method, $"config:write={BrokerJson.CheckKey(set.Key)}", set.Key, set.Value.GetRawText());
    }

    public async ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        var data = session.Ports.Data;
        var key = call.Resource!;
        if (!data.IsInstalled)
        {
            throw session.NotInstalled("configuration");
        }

        if (call.Method == ProtocolMethods.HostConfigGet)
        {
            var text = data.GetConfig(key);
            JsonElement? value = text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
            return BrokerJson.Serialize(new ValueResult(value), ProtocolJsonContext.Default.ValueResult);
        }

        var written = data.SetConfig(key, (string)call.State!);
        if (written == KvWriteResult.QuotaExceeded)
        {
            var quota = BrokerJson.Size(data.ConfigQuotaBytes);
            await session.DenyAsync(call.Permission, key, AuditLayer.Broker, AuditActions.ServiceBlocked, $"over the configuration quota of {quota}").ConfigureAwait(false);
            throw new RpcException(RpcErrorCode.InvalidParams, $"the configuration of '{session.PluginId}' would pass its quota of {quota} (keys and values); nothing was stored — overwrite keys it no longer needs with smaller values, or ask the host to raise PluginHostOptions.ConfigQuotaKb");
        }

        return written == KvWriteResult.PluginNotFound ? throw session.NotInstalled("configuration") : null;
    }

    private static BrokerCall Call(string method, string permission, string key, string? value) => new()
    {
        Method = method,
        Permission = permission,
        Resource = key,
        AllowAction = AuditActions.ServiceCall,
        State = value,
    };
}
