using System.Collections.Concurrent;

namespace Stockade.Protocol;

/// <summary>
/// A pool of bytes shared by many peers (the host-wide budget): every <see cref="PeerByteBudget"/> made with it takes
/// its bytes from here as well as from its own limit. When the pool cannot give what a peer asks for, the peer that
/// holds the most is cut (its connection closed as a protocol violation), so a few hostile workers cannot keep the bytes
/// every other worker needs; see docs/protocol.md, "Byte budgets". Thread-safe.
/// </summary>
internal sealed class ByteBudget
{
    private readonly ConcurrentDictionary<PeerByteBudget, byte> _members = new();
    private long _used;

    /// <summary>Creates a pool of <paramref name="limitBytes"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limitBytes"/> is not positive.</exception>
    public ByteBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limitBytes, 1);
        LimitBytes = limitBytes;
    }

    /// <summary>The most bytes all members together may hold.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes the members hold now.</summary>
    public long UsedBytes => Volatile.Read(ref _used);

    /// <summary>How many peers were cut because the pool ran out (for metrics and tests).</summary>
    public int CutCount => Volatile.Read(ref _cuts);

    private int _cuts;

    internal void Join(PeerByteBudget member) => _members.TryAdd(member, 0);

    internal void Leave(PeerByteBudget member) => _members.TryRemove(member, out _);

    // Takes the bytes when the pool has them.
    internal bool TryTake(long bytes)
    {
        var now = Interlocked.Add(ref _used, bytes);
        if (now <= LimitBytes)
        {
            return true;
        }

        Interlocked.Add(ref _used, -bytes);
        return false;
    }

    // Takes the bytes even past the limit (a message that already exists in memory); true when the pool was within it.
    internal bool Force(long bytes) => Interlocked.Add(ref _used, bytes) <= LimitBytes;

    internal void Return(long bytes) => Interlocked.Add(ref _used, -bytes);

    /// <summary>
    /// The pool cannot give <paramref name="wanted"/> bytes to <paramref name="asking"/> (which counts them in its own
    /// <see cref="PeerByteBudget.UsedBytes"/> already). When members already cut still hold enough to make room once they
    /// are gone, nobody else is cut. Otherwise the member that holds the most, <paramref name="asking"/> included, is cut.
    /// Returns true when <paramref name="asking"/> is the one cut.
    /// </summary>
    internal bool CutLargest(PeerByteBudget asking, long wanted)
    {
        var releasing = 0L;
        PeerByteBudget? largest = asking;
        var largestBytes = asking.UsedBytes;
        foreach (var member in _members.Keys)
        {
            var held = member.UsedBytes;
            if (member.IsCut)
            {
                releasing += held;
                continue;
            }

            if (!ReferenceEquals(member, asking) && held > largestBytes)
            {
                largest = member;
                largestBytes = held;
            }
        }

        if (UsedBytes - releasing + wanted <= LimitBytes)
        {
            return false; // the bytes of members already cut are on their way back
        }

        var reason = $"the host-wide budget of {ProtocolLimits.DescribeSize(LimitBytes)} for what workers send is used up and this worker held the most ({ProtocolLimits.DescribeSize(largestBytes)})";
        if (largest.TryCut(reason))
        {
            Interlocked.Increment(ref _cuts);
        }

        return ReferenceEquals(largest, asking);
    }
}
