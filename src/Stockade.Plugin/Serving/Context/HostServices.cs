using System.Text.Json;
using Stockade.Plugin;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

internal sealed class HostServices(JsonRpcPeer peer) : IHostServices
{
    public async ValueTask<JsonElement> CallAsync(string service, string method, JsonElement? args = null, CancellationToken cancellationToken = default) =>
        await HostCall.InvokeAsync(peer, ProtocolMethods.HostServiceCall, new ServiceCallParams(service, method, args), ProtocolJsonContext.Default.ServiceCallParams, cancellationToken)
            .ConfigureAwait(false);
}
