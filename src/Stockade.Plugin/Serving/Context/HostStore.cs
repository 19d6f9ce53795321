using Stockade.Plugin;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

internal sealed class HostStore(JsonRpcPeer peer) : IPluginStore
{
    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var result = await HostCall.InvokeAsync(
            peer, ProtocolMethods.HostKvGet, new KvKeyParams(key), ProtocolJsonContext.Default.KvKeyParams, ProtocolJsonContext.Default.KvValueResult, cancellationToken)
            .ConfigureAwait(false);
        return result?.Value;
    }

    public async ValueTask SetAsync(string key, string value, CancellationToken cancellationToken = default) =>
        await HostCall.InvokeAsync(peer, ProtocolMethods.HostKvSet, new KvSetParams(key, value), ProtocolJsonContext.Default.KvSetParams, cancellationToken)
            .ConfigureAwait(false);

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var result = await HostCall.InvokeAsync(
            peer, ProtocolMethods.HostKvDelete, new KvKeyParams(key), ProtocolJsonContext.Default.KvKeyParams, ProtocolJsonContext.Default.KvDeleteResult, cancellationToken)
            .ConfigureAwait(false);
        return result?.Deleted == true;
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var result = await HostCall.InvokeAsync(
            peer, ProtocolMethods.HostKvList, new KvListParams(prefix), ProtocolJsonContext.Default.KvListParams, ProtocolJsonContext.Default.KvListResult, cancellationToken)
            .ConfigureAwait(false);
        return result?.Keys ?? [];
    }
}
