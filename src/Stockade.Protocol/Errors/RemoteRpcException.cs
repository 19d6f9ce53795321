using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>The other side answered a request with a JSON-RPC error.</summary>
internal sealed class RemoteRpcException : RpcException
{
    /// <summary>Creates the exception from the error's stable code, numeric code, message and data.</summary>
    public RemoteRpcException(string code, int number, string message, JsonElement? data)
        : base(code, number, message, data)
    {
    }

    /// <summary>Creates an <see cref="RpcErrorCode.Internal"/> remote error.</summary>
    public RemoteRpcException()
    {
    }

    /// <summary>Creates an <see cref="RpcErrorCode.Internal"/> remote error with a message.</summary>
    public RemoteRpcException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an <see cref="RpcErrorCode.Internal"/> remote error with a message and cause.</summary>
    public RemoteRpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
