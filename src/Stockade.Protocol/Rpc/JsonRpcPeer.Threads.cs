namespace Stockade.Protocol;

// JsonRpcReadMode.DedicatedThreads: leader/follower reading on threads the peer owns. One thread at a time (the leader)
// blocks in read(2); when a frame brings a request (or an answer) and nothing else is in flight, the leader makes an idle
// standby thread (or a new one, up to MaxReaderThreads) the leader, then runs the handler itself and writes the answer
// from there. The frame therefore wakes exactly one thread, as in a plain blocking ping-pong, instead of the runtime's
// epoll thread and then a pool thread; the standby's wake-up happens beside the call, not on its path. Reading never
// waits for a handler: leadership moves before any handler code runs, and when no standby can take it the handler goes to
// the pool and the leader keeps reading.
public sealed partial class JsonRpcPeer
{
    // Enough for a sequential caller (two threads alternate) and a few handlers that block their thread; beyond that the
    // handlers go to the pool, as in the asynchronous mode.
    private const int MaxReaderThreads = 4;

    // Idle standby threads, each waiting on its own event; null in the asynchronous mode. Also the lock for itself.
    private Stack<ManualResetEventSlim>? _standby;
    private int _readerThreads;

    private void StartDedicatedReading()
    {
        _standby = new Stack<ManualResetEventSlim>(MaxReaderThreads);
        _readerThreads = 1;
        StartReaderThread();
    }

    private void StartReaderThread()
    {
        var thread = new Thread(static peer => ((JsonRpcPeer)peer!).ReadOnThisThread())
        {
            IsBackground = true,
            Name = "Stockade protocol reader",
        };
        thread.UnsafeStart(this);
    }

    // The body of every reading thread: lead (read until something must run), hand the reading over, run it, then wait to
    // lead again.
    private void ReadOnThisThread()
    {
        // Not spinning before it blocks: on a machine with few cores a spinning standby takes the CPU the other side needs
        // to read the answer this thread has just written.
        using var turn = new ManualResetEventSlim(initialState: false, spinCount: 0);
        try
        {
            while (true)
            {
                if (!TryReadNext(out var delivery, out var request))
                {
                    // This thread led and its read has returned (or the peer closed before it read): nothing reads any more.
                    DisposeInput();
                    return;
                }

                if (delivery.IsEmpty && request.IsEmpty)
                {
                    continue;
                }

                if (_reader.HasBufferedBytes || !_pending.IsEmpty || Volatile.Read(ref _incomingInFlight) > 1 || !TryHandOverReading())
                {
                    // More frames are here or expected (other calls in flight), or no thread can take the reading: keep
                    // reading and let pool threads run the caller or the handler.
                    delivery.CompleteLater();
                    request.StartLater(this);
                    continue;
                }

                delivery.Complete();
                request.StartHere(this);
                if (!AwaitLeadership(turn))
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // Only a defect of this class can land here; close rather than let it end the process.
            Close(violation: null, new IOException($"The reading loop failed: {e.Message}", e));
        }
    }

    // Reads frames until one brings something to run (returned) or the peer closes (false). Frames that need nothing
    // more ($/cancel, notifications, answers of abandoned calls) are dealt with here, in order.
    private bool TryReadNext(out Delivery delivery, out IncomingRequest request)
    {
        delivery = default;
        request = default;
        if (IsClosed)
        {
            return false;
        }

        Frame? frame;
        try
        {
            frame = _reader.ReadFrame();
        }
        catch (ProtocolViolationException e)
        {
            Close(e.Message, new ProtocolViolationException(e.Message));
            return false;
        }
        catch (Exception e) when (IsClosed)
        {
            _ = e;
            return false;
        }
        catch (Exception e)
        {
            Close(violation: null, new IOException($"Reading from the other side failed: {e.Message}", e));
            return false;
        }

        if (frame is null)
        {
            Close(violation: null, new IOException("The other side closed the connection."));
            return false;
        }

        string? violation;
        using (frame)
        {
            // Completes at once unless a notification handler awaits; this thread then waits for it, as the asynchronous
            // loop does, so notifications stay in order.
            var processed = ProcessAsync(frame.Payload);
            violation = processed.IsCompleted ? processed.GetAwaiter().GetResult() : processed.AsTask().GetAwaiter().GetResult();
        }

        delivery = _delivery;
        request = _request;
        _delivery = default;
        _request = default;
        if (violation is not null)
        {
            delivery.CompleteLater();
            delivery = default;
            request = default;
            Close(violation, new ProtocolViolationException(violation));
            return false;
        }

        return true;
    }

    // Called by the leader only. True when another thread now leads (an idle standby woken, or a new thread started).
    private bool TryHandOverReading()
    {
        ManualResetEventSlim? standby = null;
        lock (_standby!)
        {
            _standby.TryPop(out standby);
        }

        if (standby is not null)
        {
            standby.Set();
            return true;
        }

        if (Interlocked.Increment(ref _readerThreads) > MaxReaderThreads)
        {
            Interlocked.Decrement(ref _readerThreads);
            return false;
        }

        try
        {
            StartReaderThread();
            return true;
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException)
        {
            // No thread to be had (a process or memory limit): this thread keeps reading and the handler goes to the pool.
            Interlocked.Decrement(ref _readerThreads);
            return false;
        }
    }

    // A thread that ran its handler waits here until the leader hands it the reading; false once the peer has closed.
    private bool AwaitLeadership(ManualResetEventSlim turn)
    {
        turn.Reset();
        lock (_standby!)
        {
            // Close marks the peer closed before it wakes the standbys under this lock: a thread either is woken there or
            // sees the peer closed here.
            if (IsClosed)
            {
                return false;
            }

            _standby.Push(turn);
        }

        turn.Wait();
        return !IsClosed;
    }

    // From Close: every standby wakes, sees the peer closed and ends.
    private void WakeStandbyReaders()
    {
        if (_standby is null)
        {
            return;
        }

        lock (_standby)
        {
            while (_standby.TryPop(out var standby))
            {
                standby.Set();
            }
        }
    }
}
