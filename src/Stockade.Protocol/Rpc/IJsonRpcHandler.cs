using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Answers the requests and notifications a <see cref="JsonRpcPeer"/> receives.</summary>
internal interface IJsonRpcHandler
{
    /// <summary>
    /// Answers one request. Requests run concurrently. Return the result (<see langword="null"/> for a JSON null);
    /// throw <see cref="RpcException"/> for a structured error, <see cref="RpcException.MethodNotFound"/> for an unknown method.
    /// <paramref name="cancellationToken"/> fires when the caller sends <c>$/cancel</c> or the peer closes.
    /// </summary>
    ValueTask<JsonElement?> HandleRequestAsync(string method, JsonElement? parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Handles one notification. Notifications are delivered one at a time, in order, on the reading loop, so keep
    /// them short. <paramref name="parameters"/> is valid only until the returned task completes (it is not copied out of
    /// the frame): clone what must outlive the call. Throw <see cref="RpcException.MethodNotFound"/> for an unknown method; other exceptions are ignored.
    /// </summary>
    ValueTask HandleNotificationAsync(string method, JsonElement? parameters, CancellationToken cancellationToken);
}
