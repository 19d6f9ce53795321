namespace Stockade.Plugin;

/// <summary>The host refused or failed a request the plugin made; <see cref="Code"/> says why.</summary>
public class StockadeException : Exception
{
    /// <summary>Creates the exception with a stable code (e.g. <c>not_found</c>, <c>timeout</c>, <c>internal</c>) and a message.</summary>
    public StockadeException(string code, string message)
        : base(message) => Code = code;

    /// <summary>Creates an <c>internal</c> error.</summary>
    public StockadeException()
        : this("internal", "the host failed the request")
    {
    }

    /// <summary>Creates an <c>internal</c> error with a message.</summary>
    public StockadeException(string message)
        : this("internal", message)
    {
    }

    /// <summary>Creates an <c>internal</c> error with a message and cause.</summary>
    public StockadeException(string message, Exception innerException)
        : base(message, innerException) => Code = "internal";

    /// <summary>The stable error code sent by the host.</summary>
    public string Code { get; }
}
