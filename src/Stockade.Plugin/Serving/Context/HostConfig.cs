using System.Text.Json;
using Stockade.Plugin;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

internal sealed class HostConfig(JsonRpcPeer peer) : IPluginConfig
{
    public async ValueTask<JsonElement?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var result = await HostCall.InvokeAsync(
            peer, ProtocolMethods.HostConfigGet, new ConfigGetParams(key), ProtocolJsonContext.Default.ConfigGetParams, ProtocolJsonContext.Default.ValueResult, cancellationToken)
            .ConfigureAwait(false);
        return result?.Value;
    }

    public async ValueTask SetAsync(string key, JsonElement value, CancellationToken cancellationToken = default) =>
        await HostCall.InvokeAsync(peer, ProtocolMethods.HostConfigSet, new ConfigSetParams(key, value), ProtocolJsonContext.Default.ConfigSetParams, cancellationToken)
            .ConfigureAwait(false);
}
