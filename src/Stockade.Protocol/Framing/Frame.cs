using System.Buffers;

namespace Stockade.Protocol;

/// <summary>
/// One frame's payload in a buffer rented from the shared pool. Dispose it once the payload has been consumed;
/// the memory must not be used afterwards.
/// </summary>
public sealed class Frame : IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;

    internal Frame(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    /// <summary>The payload (UTF-8 JSON in this protocol).</summary>
    public ReadOnlyMemory<byte> Payload =>
        new(_buffer ?? throw new ObjectDisposedException(nameof(Frame)), 0, _length);

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
