using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>
/// An <see cref="IJsonRpcHandler"/> built from one delegate per method name. Register everything before the peer starts;
/// the table is read without locks afterwards.
/// </summary>
internal sealed class JsonRpcMethodTable : IJsonRpcHandler
{
    private readonly Dictionary<string, Func<JsonElement?, CancellationToken, ValueTask<JsonElement?>>> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<JsonElement?, CancellationToken, ValueTask>> _notifications = new(StringComparer.Ordinal);

    /// <summary>Registers the handler for requests named <paramref name="method"/>; returns this table.</summary>
    public JsonRpcMethodTable AddRequest(string method, Func<JsonElement?, CancellationToken, ValueTask<JsonElement?>> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(handler);
        _requests.Add(method, handler);
        return this;
    }

    /// <summary>Registers the handler for notifications named <paramref name="method"/>; returns this table.</summary>
    public JsonRpcMethodTable AddNotification(string method, Func<JsonElement?, CancellationToken, ValueTask> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(handler);
        _notifications.Add(method, handler);
        return this;
    }

    /// <inheritdoc />
    public ValueTask<JsonElement?> HandleRequestAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
        _requests.TryGetValue(method, out var handler)
            ? handler(parameters, cancellationToken)
            : throw RpcException.MethodNotFound(method);

    /// <inheritdoc />
    public ValueTask HandleNotificationAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
        _notifications.TryGetValue(method, out var handler)
            ? handler(parameters, cancellationToken)
            : throw RpcException.MethodNotFound(method);
}
