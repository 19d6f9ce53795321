using System.Buffers.Binary;

namespace Stockade.Protocol;

/// <summary>
/// Writes frames (4-byte big-endian length + payload) to a stream. Small frames are gathered in a buffer and reach
/// the stream on <see cref="FlushAsync"/> or when the buffer fills, so a burst of messages costs one write.
/// Not thread-safe: one writer loop per stream.
/// </summary>
internal sealed class FrameWriter
{
    private const int HeaderSize = 4;
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly int _maxFrameBytes;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _length;

    /// <summary>Creates a writer over <paramref name="stream"/> that refuses payloads larger than <paramref name="maxFrameBytes"/>.</summary>
    public FrameWriter(Stream stream, int maxFrameBytes = 16 * ProtocolLimits.Mebibyte)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameBytes, 1);
        _stream = stream;
        _maxFrameBytes = maxFrameBytes;
    }

    /// <summary>Queues one frame; it is written when the buffer fills or on <see cref="FlushAsync"/>.</summary>
    /// <exception cref="ArgumentException">The payload is empty or larger than the frame limit.</exception>
    public async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.IsEmpty)
        {
            throw new ArgumentException("A frame must carry a payload; length 0 is a protocol violation.", nameof(payload));
        }

        if (payload.Length > _maxFrameBytes)
        {
            throw new ArgumentException(
                $"A payload of {payload.Length} bytes exceeds the {ProtocolLimits.DescribeSize(_maxFrameBytes)} frame limit.", nameof(payload));
        }

        if (_length + HeaderSize + payload.Length > BufferSize)
        {
            await WriteBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        if (HeaderSize + payload.Length > BufferSize)
        {
            var header = new byte[HeaderSize];
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)payload.Length);
            await _stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await _stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            return;
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), (uint)payload.Length);
        payload.Span.CopyTo(_buffer.AsSpan(_length + HeaderSize));
        _length += HeaderSize + payload.Length;
    }

    /// <summary>Writes every buffered frame to the stream and flushes it.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await WriteBufferAsync(cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteBufferAsync(CancellationToken cancellationToken)
    {
        if (_length == 0)
        {
            return;
        }

        var length = _length;
        _length = 0;
        await _stream.WriteAsync(_buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
    }
}
