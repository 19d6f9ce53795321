namespace Stockade.Protocol;

/// <summary>
/// Hard limits applied to everything a peer reads. Both ends of a connection should use the same values:
/// the peer also keeps its own outgoing requests under <see cref="MaxInFlight"/> so it never floods the other side.
/// </summary>
internal sealed record ProtocolLimits
{
    /// <summary>One mebibyte, the unit the limits are usually written in.</summary>
    public const int Mebibyte = 1024 * 1024;

    /// <summary>The limits used when nothing else is configured: 16 MiB frames, 64 requests in flight, JSON depth 64.</summary>
    public static ProtocolLimits Default { get; } = new();

    /// <summary>Largest accepted frame payload in bytes (default 16 MiB). A larger length header is a protocol violation.</summary>
    public int MaxFrameBytes { get; init; } = 16 * Mebibyte;

    /// <summary>
    /// Largest number of requests the other side may have waiting for an answer from this peer (default 64).
    /// One more is a flood and a protocol violation.
    /// </summary>
    public int MaxInFlight { get; init; } = 64;

    /// <summary>Deepest JSON nesting accepted in a message (default 64). Deeper input is a protocol violation.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>
    /// When <see langword="true"/>, a request or notification for a method the handler does not know is a protocol
    /// violation rather than a <c>-32601</c> error answer. A host usually sets this for workers, which have no
    /// business guessing method names. Default <see langword="false"/>.
    /// </summary>
    public bool UnknownMethodIsViolation { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every limit that is not positive.</summary>
    public void Validate()
    {
        var errors = new OptionErrors(nameof(ProtocolLimits));
        errors.AtLeast(nameof(MaxFrameBytes), MaxFrameBytes, 1);
        errors.AtLeast(nameof(MaxInFlight), MaxInFlight, 1);
        errors.AtLeast(nameof(MaxJsonDepth), MaxJsonDepth, 1);
        errors.ThrowIfAny();
    }

    internal static string DescribeSize(long bytes) =>
        bytes % Mebibyte == 0 ? $"{bytes / Mebibyte} MiB" : $"{bytes} bytes";
}
