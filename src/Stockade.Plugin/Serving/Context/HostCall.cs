using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Stockade.Plugin;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

// A host.* request from plugin code, with the host's refusals turned into the SDK's exceptions.
internal static class HostCall
{
    public static async Task<TResult?> InvokeAsync<TParams, TResult>(
        JsonRpcPeer peer, string method, TParams parameters, JsonTypeInfo<TParams> parametersType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        var result = await InvokeAsync(peer, method, parameters, parametersType, cancellationToken).ConfigureAwait(false);
        try
        {
            return result.Deserialize(resultType);
        }
        catch (JsonException e)
        {
            throw new StockadeException(RpcErrorCode.Internal, $"the host's answer to {method} could not be read: {e.Message}");
        }
    }

    public static async Task<JsonElement> InvokeAsync<TParams>(
        JsonRpcPeer peer, string method, TParams parameters, JsonTypeInfo<TParams> parametersType, CancellationToken cancellationToken)
    {
        try
        {
            return await peer.InvokeAsync(method, parameters, parametersType, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteRpcException e)
        {
            throw Translate(e);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ProtocolViolationException)
        {
            throw new StockadeException(RpcErrorCode.Internal, $"the connection to the host is closed ({e.Message})");
        }
    }

    private static StockadeException Translate(RemoteRpcException error) => error.Code switch
    {
        RpcErrorCode.PermissionDenied => new PermissionDeniedException(ReadString(error.Data, "permission") ?? string.Empty, error.Message),
        RpcErrorCode.RateLimited => new RateLimitedException(error.Message, ReadRetryAfter(error.Data)),
        _ => new StockadeException(error.Code, error.Message),
    };

    private static string? ReadString(JsonElement? data, string name) =>
        data is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String
            ? property.GetString()
            : null;

    private static TimeSpan? ReadRetryAfter(JsonElement? data) =>
        data is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty("retryAfterMs", out var property) && property.TryGetDouble(out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : null;
}
