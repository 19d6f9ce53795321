namespace Stockade.Protocol;

/// <summary>
/// The bytes one peer may hold on behalf of the other side: frames being read or handled, and answers queued for a
/// side that has not read them yet. Taking more than <see cref="LimitBytes"/> is a protocol violation that closes the
/// connection; with a shared <see cref="ByteBudget"/> the bytes also come out of that pool. One per connection.
/// </summary>
internal sealed class PeerByteBudget
{
    // How long a reader waits for room in the shared pool after the largest holder was cut before it gives up itself:
    // a cut peer's bytes come back once its worker is killed and its streams close (milliseconds).
    private static readonly TimeSpan SharedWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SharedPoll = TimeSpan.FromMilliseconds(5);

    private readonly ByteBudget? _shared;
    private long _used;
    private long _answers;
    private Action<string>? _cut;
    private int _isCut;

    /// <summary>Creates a budget of <paramref name="limitBytes"/>, drawing also on <paramref name="shared"/> when given.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limitBytes"/> is not positive.</exception>
    public PeerByteBudget(long limitBytes, ByteBudget? shared = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limitBytes, 1);
        LimitBytes = limitBytes;
        _shared = shared;
    }

    /// <summary>The most bytes this peer may hold for the other side.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes held now.</summary>
    public long UsedBytes => Volatile.Read(ref _used);

    /// <summary>The most bytes held at once so far (for tests and diagnostics).</summary>
    public long PeakBytes => Volatile.Read(ref _peak);

    private long _peak;

    internal bool IsCut => Volatile.Read(ref _isCut) != 0;

    // The peer that owns this budget: closes the connection with the given violation.
    internal void Attach(Action<string> cut)
    {
        _cut = cut;
        _shared?.Join(this);
    }

    internal void Detach() => _shared?.Leave(this);

    internal bool TryCut(string reason)
    {
        if (Interlocked.Exchange(ref _isCut, 1) != 0)
        {
            return false;
        }

        _cut?.Invoke(reason);
        return true;
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> for a frame about to be read, waiting (asynchronously) for room in the shared pool.
    /// </summary>
    /// <exception cref="ProtocolViolationException">This peer's limit would be passed, or the shared pool cut it.</exception>
    internal ValueTask TakeAsync(long bytes, string what, CancellationToken cancellationToken)
    {
        TakeOwn(bytes, what);
        if (_shared is null || _shared.TryTake(bytes))
        {
            return ValueTask.CompletedTask;
        }

        return WaitForSharedAsync(bytes, what, cancellationToken);
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> for an answer being queued for the other side: never waits (the answer is already in
    /// memory). Returns the violation when this peer's limit is passed or the shared pool cut it; the bytes are taken
    /// either way and must be returned with <see cref="ReturnAnswer"/> once the answer is written or dropped.
    /// </summary>
    internal string? TakeAnswer(long bytes)
    {
        const string what = "an answer";
        Interlocked.Add(ref _answers, bytes);
        var now = Interlocked.Add(ref _used, bytes);
        UpdatePeak(now);
        var violation = now > LimitBytes ? Exceeded(now - bytes, bytes, what) : null;
        if (_shared is not null && !_shared.Force(bytes) && violation is null && _shared.CutLargest(this, 0))
        {
            violation = "cut: the host-wide budget for what workers send is used up and this worker held the most";
        }

        return violation;
    }

    internal void ReturnAnswer(long bytes)
    {
        Interlocked.Add(ref _answers, -bytes);
        Return(bytes);
    }

    internal void Return(long bytes)
    {
        Interlocked.Add(ref _used, -bytes);
        _shared?.Return(bytes);
    }

    private void TakeOwn(long bytes, string what)
    {
        var now = Interlocked.Add(ref _used, bytes);
        if (now > LimitBytes)
        {
            Interlocked.Add(ref _used, -bytes);
            throw new ProtocolViolationException(Exceeded(now - bytes, bytes, what));
        }

        UpdatePeak(now);
    }

    private async ValueTask WaitForSharedAsync(long bytes, string what, CancellationToken cancellationToken)
    {
        try
        {
            var deadline = Environment.TickCount64 + (long)SharedWait.TotalMilliseconds;
            while (true)
            {
                if (_shared!.CutLargest(this, bytes) || IsCut)
                {
                    throw new ProtocolViolationException(
                        $"{what} of {bytes} bytes would pass the host-wide budget of {ProtocolLimits.DescribeSize(_shared.LimitBytes)} for what workers send, and this worker holds the most");
                }

                await Task.Delay(SharedPoll, cancellationToken).ConfigureAwait(false);
                if (_shared.TryTake(bytes))
                {
                    return;
                }

                if (Environment.TickCount64 > deadline)
                {
                    throw new ProtocolViolationException(
                        $"{what} of {bytes} bytes found no room in the host-wide budget of {ProtocolLimits.DescribeSize(_shared.LimitBytes)} for {SharedWait.TotalSeconds:0} s");
                }
            }
        }
        catch
        {
            Interlocked.Add(ref _used, -bytes);
            throw;
        }
    }

    // Says which side is at fault: a peer whose budget is mostly answers it has not read stopped reading its input.
    private string Exceeded(long held, long bytes, string what)
    {
        var answers = Volatile.Read(ref _answers);
        var text = $"{what} of {bytes} bytes would take it past its budget of {ProtocolLimits.DescribeSize(LimitBytes)} (holding {held} bytes already, {answers} of them answers it has not read)";
        return answers * 2 > held ? "it does not read its input: " + text : text;
    }

    private void UpdatePeak(long now)
    {
        var peak = Volatile.Read(ref _peak);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, now, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }
}
