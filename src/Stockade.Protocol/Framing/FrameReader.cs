using System.Buffers.Binary;

namespace Stockade.Protocol;

/// <summary>
/// Reads frames from a stream: a 4-byte big-endian unsigned length, then that many payload bytes.
/// Reads are buffered so that many small frames cost few system calls. Not thread-safe: one reader loop per stream.
/// </summary>
internal sealed class FrameReader
{
    private const int HeaderSize = 4;
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly int _maxFrameBytes;
    private readonly PeerByteBudget? _budget;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    /// <summary>Creates a reader over <paramref name="stream"/> that refuses payloads larger than <paramref name="maxFrameBytes"/>.</summary>
    public FrameReader(Stream stream, int maxFrameBytes = 16 * ProtocolLimits.Mebibyte)
        : this(stream, maxFrameBytes, budget: null)
    {
    }

    /// <summary>
    /// Creates a reader that also takes each payload's size from <paramref name="budget"/> before reading it; the frame
    /// gives the bytes back when it is disposed. A payload the budget cannot take is a protocol violation.
    /// </summary>
    public FrameReader(Stream stream, int maxFrameBytes, PeerByteBudget? budget)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameBytes, 1);
        _stream = stream;
        _maxFrameBytes = maxFrameBytes;
        _budget = budget;
    }

    // True when bytes of a further frame are already buffered, so the next read may not need the stream.
    internal bool HasBufferedBytes => _end > _start;

    /// <summary>
    /// Reads the next frame. Returns <see langword="null"/> when the stream ends cleanly between frames.
    /// </summary>
    /// <exception cref="ProtocolViolationException">The frame is empty, larger than the limit, or cut short by the end of the stream.</exception>
    public async ValueTask<Frame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        if (!TryTakeHeader(await FillAsync(HeaderSize, cancellationToken).ConfigureAwait(false), out var size))
        {
            return null;
        }

        if (_budget is not null)
        {
            await _budget.TakeAsync(size, "a frame", cancellationToken).ConfigureAwait(false);
        }

        var payload = Frame.Allocate(size);
        try
        {
            var copied = TakeBuffered(payload, size);
            while (copied < size)
            {
                if (size - copied >= BufferSize)
                {
                    // Large remainder: read straight into the payload, skipping the staging buffer.
                    var read = await _stream.ReadAsync(payload.AsMemory(copied, size - copied), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw Truncated(copied, size);
                    }

                    copied += read;
                }
                else
                {
                    var available = await FillAsync(size - copied, cancellationToken).ConfigureAwait(false);
                    var take = Math.Min(available, size - copied);
                    if (take == 0)
                    {
                        throw Truncated(copied, size);
                    }

                    _buffer.AsSpan(_start, take).CopyTo(payload.AsSpan(copied));
                    _start += take;
                    copied += take;
                    if (copied < size)
                    {
                        throw Truncated(copied, size);
                    }
                }
            }

            return new Frame(payload, size, _budget);
        }
        catch
        {
            Frame.Free(payload);
            _budget?.Return(size);
            throw;
        }
    }

    /// <summary>
    /// Reads the next frame with blocking reads on the calling thread (<see cref="Stream.Read(Span{byte})"/>), for a
    /// thread dedicated to reading. Same results and violations as <see cref="ReadFrameAsync"/>.
    /// </summary>
    internal Frame? ReadFrame()
    {
        if (!TryTakeHeader(Fill(HeaderSize), out var size))
        {
            return null;
        }

        _budget?.TakeAsync(size, "a frame", CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var payload = Frame.Allocate(size);
        try
        {
            var copied = TakeBuffered(payload, size);
            while (copied < size)
            {
                // Straight into the payload: a thread that blocks until the frame is whole gains nothing from staging.
                var read = _stream.Read(payload.AsSpan(copied, size - copied));
                if (read == 0)
                {
                    throw Truncated(copied, size);
                }

                copied += read;
            }

            return new Frame(payload, size, _budget);
        }
        catch
        {
            Frame.Free(payload);
            _budget?.Return(size);
            throw;
        }
    }

    // Given how many bytes the fill made available: false when the stream ended cleanly between frames; otherwise
    // consumes the 4-byte header and checks the length against the limits before any payload is read.
    private bool TryTakeHeader(int headerBytes, out int size)
    {
        size = 0;
        if (headerBytes == 0)
        {
            return false;
        }

        if (headerBytes < HeaderSize)
        {
            throw new ProtocolViolationException($"stream ended after {headerBytes} of {HeaderSize} frame header bytes");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start, HeaderSize));
        _start += HeaderSize;
        if (length == 0)
        {
            throw new ProtocolViolationException("frame of length 0 (every message must carry a payload)");
        }

        if (length > (uint)_maxFrameBytes)
        {
            throw new ProtocolViolationException(
                $"frame of {length} bytes exceeds the {ProtocolLimits.DescribeSize(_maxFrameBytes)} limit");
        }

        size = (int)length;
        return true;
    }

    // Moves what is already buffered of a payload of `size` bytes into it; returns how many bytes that was.
    private int TakeBuffered(byte[] payload, int size)
    {
        var copied = Math.Min(size, _end - _start);
        _buffer.AsSpan(_start, copied).CopyTo(payload);
        _start += copied;
        return copied;
    }

    private static ProtocolViolationException Truncated(int got, int expected) =>
        new($"stream ended inside a frame after {got} of {expected} payload bytes");

    // Makes at least `wanted` bytes available in the staging buffer unless the stream ends first;
    // returns how many are available.
    private int Fill(int wanted)
    {
        if (_end - _start >= wanted)
        {
            return _end - _start;
        }

        Compact();
        while (_end < wanted)
        {
            var read = _stream.Read(_buffer.AsSpan(_end));
            if (read == 0)
            {
                break;
            }

            _end += read;
        }

        return _end - _start;
    }

    private void Compact()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    private async ValueTask<int> FillAsync(int wanted, CancellationToken cancellationToken)
    {
        wanted = Math.Min(wanted, BufferSize);
        if (_end - _start >= wanted)
        {
            return _end - _start;
        }

        Compact();
        while (_end < wanted)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            _end += read;
        }

        return _end - _start;
    }
}
