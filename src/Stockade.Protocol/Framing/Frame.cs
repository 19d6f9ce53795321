using System.Buffers;

namespace Stockade.Protocol;

/// <summary>
/// One frame's payload. Dispose it once the payload has been consumed; the memory must not be used afterwards.
/// Small payloads live in a buffer rented from the shared pool; large ones (over <see cref="PooledLimit"/>) in a pool of
/// their own whose retention is bounded, so that a burst of large frames neither leaves the shared pool holding memory no
/// budget counts nor leaves a new large array per frame for the GC.
/// </summary>
internal sealed class Frame : IDisposable
{
    // Payloads up to this size are pooled. The shared pool keeps returned arrays per core without a bound the budgets
    // could see; a 16 MiB frame returned there would stay after its budget was given back.
    internal const int PooledLimit = 1024 * 1024;

    private byte[]? _buffer;
    private readonly int _length;
    private PeerByteBudget? _budget;

    internal Frame(byte[] buffer, int length, PeerByteBudget? budget = null)
    {
        _buffer = buffer;
        _length = length;
        _budget = budget;
    }

    /// <summary>The payload (UTF-8 JSON in this protocol).</summary>
    public ReadOnlyMemory<byte> Payload =>
        new(_buffer ?? throw new ObjectDisposedException(nameof(Frame)), 0, _length);

    internal int Length => _length;

    // Large payloads come from a pool of their own that keeps at most LargeArraysPerSize arrays of each power-of-two size
    // (1 to 32 MiB: at most 4 x 63 MiB retained), so a stream of maximal frames reuses a few arrays instead of leaving a
    // new 16 MiB array for the GC per frame (eight plugins sending 16 MiB frames grew the host by ~1 GB of such garbage
    // before a gen-2 collection came round, although the bytes in flight were within their budget).
    private const int LargeArraysPerSize = 4;
    private static readonly ArrayPool<byte> LargePool = ArrayPool<byte>.Create(32 * 1024 * 1024, LargeArraysPerSize);

    internal static byte[] Allocate(int size) =>
        size <= PooledLimit ? ArrayPool<byte>.Shared.Rent(size) : LargePool.Rent(size);

    internal static void Free(byte[] buffer)
    {
        if (buffer.Length <= PooledLimit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else
        {
            LargePool.Return(buffer);
        }
    }

    /// <summary>
    /// Hands the bytes this frame holds in its budget to the caller, who returns them later (a request keeps them until it
    /// is answered: its parameters are a copy of part of the payload). Returns the budget, or null when there is none.
    /// </summary>
    internal PeerByteBudget? TakeReservation() => Interlocked.Exchange(ref _budget, null);

    /// <summary>Returns the buffer to the pool and the bytes to the budget.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            Free(buffer);
        }

        Interlocked.Exchange(ref _budget, null)?.Return(_length);
    }
}
