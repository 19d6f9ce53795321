namespace Stockade.Protocol;

/// <summary>Says why a <see cref="JsonRpcPeer"/> closed the connection.</summary>
internal sealed class ProtocolViolationEventArgs : EventArgs
{
    /// <summary>Creates the arguments with the reason.</summary>
    public ProtocolViolationEventArgs(string reason) => Reason = reason;

    /// <summary>What the other side did, e.g. "frame of 20000000 bytes exceeds the 16 MiB limit".</summary>
    public string Reason { get; }
}
