namespace Stockade.Protocol;

/// <summary>
/// Stable error codes carried in a JSON-RPC error's <c>data.code</c>, with the numeric JSON-RPC code each maps to.
/// Callers should branch on these strings, never on messages.
/// </summary>
internal static class RpcErrorCode
{
    /// <summary>The broker refused: the permission is not declared or not granted (<c>-32001</c>).</summary>
    public const string PermissionDenied = "permission_denied";

    /// <summary>Too many calls; <c>data.retryAfterMs</c> may say when to retry (<c>-32002</c>).</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>The call took longer than allowed (<c>-32003</c>).</summary>
    public const string Timeout = "timeout";

    /// <summary>The method or the thing asked for does not exist (<c>-32601</c> for methods, <c>-32004</c> otherwise).</summary>
    public const string NotFound = "not_found";

    /// <summary>The parameters could not be read or are not acceptable (<c>-32602</c>).</summary>
    public const string InvalidParams = "invalid_params";

    /// <summary>The answering side failed on its own (<c>-32603</c>).</summary>
    public const string Internal = "internal";

    /// <summary>The message broke the protocol (<c>-32600</c>).</summary>
    public const string ProtocolViolation = "protocol_violation";

    /// <summary>Plugin code threw; <c>data</c> carries <c>type</c>, <c>message</c> and <c>stackTrace</c> (<c>-32000</c>).</summary>
    public const string PluginError = "plugin_error";

    /// <summary>The caller cancelled the request with <c>$/cancel</c> (<c>-32800</c>).</summary>
    public const string Cancelled = "cancelled";

    /// <summary>JSON-RPC's own code for an unknown method.</summary>
    public const int MethodNotFoundNumber = -32601;

    /// <summary>The numeric JSON-RPC code used for a stable string code (<c>-32603</c> for codes not listed here).</summary>
    public static int ToNumber(string code) => code switch
    {
        PermissionDenied => -32001,
        RateLimited => -32002,
        Timeout => -32003,
        NotFound => -32004,
        InvalidParams => -32602,
        Internal => -32603,
        ProtocolViolation => -32600,
        PluginError => -32000,
        Cancelled => -32800,
        _ => -32603,
    };

    /// <summary>The stable string code for a numeric JSON-RPC code, for peers that send no <c>data.code</c>.</summary>
    public static string FromNumber(int number) => number switch
    {
        -32001 => PermissionDenied,
        -32002 => RateLimited,
        -32003 => Timeout,
        -32004 or MethodNotFoundNumber => NotFound,
        -32602 => InvalidParams,
        -32600 or -32700 => ProtocolViolation,
        -32000 => PluginError,
        -32800 => Cancelled,
        _ => Internal,
    };
}
