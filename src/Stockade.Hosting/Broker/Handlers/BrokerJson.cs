using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>Reading a worker's untrusted params and writing replies, the same way for every handler.</summary>
internal static class BrokerJson
{
    public const string DefaultNamespace = "default";

    public static T Read<T>(JsonElement? parameters, JsonTypeInfo<T> type)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } element)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "params must be an object");
        }

        try
        {
            return element.Deserialize(type) ?? throw new RpcException(RpcErrorCode.InvalidParams, "params must be an object");
        }
        catch (JsonException ex)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, $"params do not match: {ex.Message}");
        }
    }

    public static JsonElement Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToElement(value, type);

    /// <summary>A key-value key <c>namespace/key</c> (or a bare key in the default namespace).</summary>
    public static (string Namespace, string Key) SplitKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? (CheckKey(key[..slash]), key[(slash + 1)..]) : (DefaultNamespace, key);
    }

    public static string CheckKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 256 || key.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '='))
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "keys are 1–256 characters without spaces, control characters or '='");
        }

        return key;
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    public static string Size(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / 1024 / 1024} MiB" : $"{bytes / 1024} KiB";
}
