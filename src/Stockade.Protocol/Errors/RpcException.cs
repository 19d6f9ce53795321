using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>
/// Thrown by a request handler to answer with a structured JSON-RPC error instead of a result.
/// Any other exception from a handler is answered as <see cref="RpcErrorCode.Internal"/>.
/// </summary>
internal class RpcException : Exception
{
    /// <summary>Creates an error answer with a stable <paramref name="code"/> (see <see cref="RpcErrorCode"/>) and optional extra <paramref name="data"/>.</summary>
    public RpcException(string code, string message, JsonElement? data = null)
        : this(code, RpcErrorCode.ToNumber(code), message, data)
    {
    }

    /// <summary>Creates an error with an explicit numeric JSON-RPC code.</summary>
    public RpcException(string code, int number, string message, JsonElement? data = null)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
        Number = number;
        Data = data;
    }

    /// <summary>Creates an <see cref="RpcErrorCode.Internal"/> error.</summary>
    public RpcException()
        : this(RpcErrorCode.Internal, "internal error")
    {
    }

    /// <summary>Creates an <see cref="RpcErrorCode.Internal"/> error with a message.</summary>
    public RpcException(string message)
        : this(RpcErrorCode.Internal, message)
    {
    }

    /// <summary>Creates an <see cref="RpcErrorCode.Internal"/> error with a message and cause (the cause is not sent).</summary>
    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = RpcErrorCode.Internal;
        Number = RpcErrorCode.ToNumber(Code);
    }

    /// <summary>The stable string code (<c>data.code</c> on the wire).</summary>
    public string Code { get; }

    /// <summary>The numeric JSON-RPC error code.</summary>
    public int Number { get; }

    /// <summary>Extra structured detail (<c>data</c> on the wire, with <c>code</c> added).</summary>
    public new JsonElement? Data { get; }

    /// <summary>The answer for a method nobody handles: JSON-RPC <c>-32601</c>, code <see cref="RpcErrorCode.NotFound"/>.</summary>
    public static RpcException MethodNotFound(string method) =>
        new(RpcErrorCode.NotFound, RpcErrorCode.MethodNotFoundNumber, $"method '{method}' is not known");
}
