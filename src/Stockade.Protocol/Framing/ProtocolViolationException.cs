namespace Stockade.Protocol;

/// <summary>
/// The other side broke the framing or JSON-RPC rules (zero-length, truncated or oversize frame, malformed JSON,
/// a flood, an answer to a request never made...). The connection cannot be trusted afterwards and is closed.
/// </summary>
internal sealed class ProtocolViolationException : Exception
{
    /// <summary>Creates the exception with a reason a person can read, e.g. "frame of 20000000 bytes exceeds the 16 MiB limit".</summary>
    public ProtocolViolationException(string reason)
        : base(reason)
    {
    }

    /// <summary>Creates the exception with a reason and the error that revealed it.</summary>
    public ProtocolViolationException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public ProtocolViolationException()
        : base("protocol violation")
    {
    }
}
