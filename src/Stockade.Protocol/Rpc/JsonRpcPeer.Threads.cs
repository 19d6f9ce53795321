namespace Stockade.Protocol;

// JsonRpcReadMode.DedicatedThreads: reading with blocking read(2) on threads the peer owns, with a lazy take-over.
//
// One thread at a time (the leader) reads. When a frame brings a request (or an answer) and nothing else is in flight, the
// leader runs the handler itself and writes the answer from there, then reads on: a frame wakes exactly one thread, as in
// a plain blocking ping-pong. A second thread, the watcher, makes sure reading never waits long for a handler: it looks
// every WatchInterval, and when it finds the same handler still running on the leader at two looks in a row it takes the
// reading over (the handler may block its thread for good: $/cancel and the end of the stream must still be read). The
// former leader finishes its handler, sees it has lost the reading, and becomes the watcher or parks. The watcher sleeps
// without a timeout once no handler has run on the leader for IdleLooksBeforeSleep looks, and the next handler wakes it.
//
// Waking a standby thread for every request instead (the first version of this mode) cost about 15 us of the round trip:
// a futex wake and a context switch on the critical path, on 2 cores. The price of the lazy take-over: a request that
// arrives while the only handler in flight runs on the leader waits for it to finish, or for the take-over, at most two
// watch intervals. With more than one call in flight, or frames already buffered, handlers go to the pool and the leader
// keeps reading, as in the asynchronous mode.
internal sealed partial class JsonRpcPeer
{
    // The leader, the watcher, and threads whose handler blocked when they lost the reading; beyond that the handlers go
    // to the pool.
    private const int MaxReaderThreads = 4;

    // How often the watcher looks at the leader while handlers run there; a blocked handler holds the reading for one to
    // two of these.
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(5);

    // Looks without any handler run on the leader before the watcher sleeps until the next one (≈ 100 ms).
    private const int IdleLooksBeforeSleep = 20;

    // Threads parked with nothing to do, each on its own event; null in the asynchronous mode. Also the lock for itself
    // and for _watcherTurn.
    private Stack<ManualResetEventSlim>? _standby;

    // The event of the thread in the watcher role, or null when no thread watches (the leader then runs nothing itself).
    private ManualResetEventSlim? _watcherTurn;
    private int _readerThreads;

    // Handlers run by the leader: (generation << 1) | 1 while one runs, (generation << 1) while none does. The leader
    // starts a run with a new generation; the run ends by a compare-and-swap of its own value, which fails once the
    // watcher has taken the reading over (a swap to the next generation, not running).
    private long _leaderRun;

    // 1 while the watcher sleeps without a timeout; the leader starting a handler wakes it.
    private int _watcherAsleep;

    private void StartDedicatedReading()
    {
        _standby = new Stack<ManualResetEventSlim>(MaxReaderThreads);
        _readerThreads = 2;
        StartReaderThread(lead: true);
        StartReaderThread(lead: false);
    }

    private void StartReaderThread(bool lead)
    {
        var thread = new Thread(static state =>
        {
            var (peer, lead) = ((JsonRpcPeer, bool))state!;
            peer.RunReaderThread(lead);
        })
        {
            IsBackground = true,
            Name = "Stockade protocol reader",
        };
        thread.UnsafeStart((this, lead));
    }

    // The body of every reading thread: lead until the reading is taken over, then watch (or park) until it takes the
    // reading over itself; until the peer closes.
    private void RunReaderThread(bool lead)
    {
        // Not spinning before it blocks: on a machine with few cores a spinning thread takes the CPU the other side needs.
        using var turn = new ManualResetEventSlim(initialState: false, spinCount: 0);
        try
        {
            while (true)
            {
                if (!lead && !WatchUntilTakeOver(turn))
                {
                    return;
                }

                lead = false;
                if (!Lead())
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

    // Reads and runs until the watcher takes the reading over (true) or the peer closes (false).
    private bool Lead()
    {
        EnsureWatcher();
        while (true)
        {
            if (!TryReadNext(out var delivery, out var request))
            {
                // This thread led and its read has returned (or the peer closed before it read): nothing reads any more.
                DisposeInput();
                return false;
            }

            if (delivery.IsEmpty && request.IsEmpty)
            {
                continue;
            }

            if (_reader.HasBufferedBytes || !_pending.IsEmpty || Volatile.Read(ref _incomingInFlight) > 1
                || Volatile.Read(ref _watcherTurn) is null)
            {
                // More frames are here or expected (other calls in flight), or no thread watches this one: keep reading
                // and let pool threads run the caller or the handler.
                delivery.CompleteLater();
                request.StartLater(this);
                continue;
            }

            var run = BeginLeaderRun();
            delivery.Complete();
            request.StartHere(this);
            if (Interlocked.CompareExchange(ref _leaderRun, run & ~1L, run) != run)
            {
                // The watcher took the reading over while the handler ran.
                return true;
            }
        }
    }

    private long BeginLeaderRun()
    {
        var run = ((Volatile.Read(ref _leaderRun) >> 1) + 1) << 1 | 1;

        // A full fence between publishing the run and reading _watcherAsleep (and the reverse in the watcher): one of the
        // two always sees the other, so the watcher cannot fall asleep on a running handler.
        Interlocked.Exchange(ref _leaderRun, run);
        if (Volatile.Read(ref _watcherAsleep) == 1 && Interlocked.Exchange(ref _watcherAsleep, 0) == 1)
        {
            Volatile.Read(ref _watcherTurn)?.Set();
        }

        return run;
    }

    // Called by a thread that has just become the leader: when no thread watches, a parked one is made the watcher, or a
    // new one started (up to MaxReaderThreads). Without a watcher the leader runs no handler itself.
    private void EnsureWatcher()
    {
        lock (_standby!)
        {
            if (_watcherTurn is not null || IsClosed)
            {
                return;
            }

            if (_standby.TryPop(out var parked))
            {
                _watcherTurn = parked;
                parked.Set();
                return;
            }
        }

        if (Interlocked.Increment(ref _readerThreads) > MaxReaderThreads)
        {
            Interlocked.Decrement(ref _readerThreads);
            return;
        }

        try
        {
            StartReaderThread(lead: false);
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException)
        {
            // No thread to be had (a process or memory limit): handlers go to the pool until a thread watches again.
            Interlocked.Decrement(ref _readerThreads);
        }
    }

    // The watcher role: true once this thread has taken the reading over, false once the peer has closed. A thread that
    // finds another watcher parks first, until it is made the watcher.
    private bool WatchUntilTakeOver(ManualResetEventSlim turn)
    {
        bool parked;
        lock (_standby!)
        {
            // Close marks the peer closed before it wakes the parked threads and the watcher under this lock: a thread
            // either is woken there or sees the peer closed here.
            if (IsClosed)
            {
                return false;
            }

            parked = _watcherTurn is not null;
            if (parked)
            {
                turn.Reset();
                _standby.Push(turn);
            }
            else
            {
                _watcherTurn = turn;
            }
        }

        if (parked)
        {
            // Woken either by Close or by EnsureWatcher, which made this thread the watcher before waking it.
            turn.Wait();
            if (IsClosed)
            {
                return false;
            }
        }

        var seen = Volatile.Read(ref _leaderRun);
        var idleLooks = 0;
        while (true)
        {
            turn.Reset();
            turn.Wait(WatchInterval);
            if (IsClosed)
            {
                return false;
            }

            var now = Volatile.Read(ref _leaderRun);
            if (now != seen)
            {
                seen = now;
                idleLooks = 0;
                continue;
            }

            if ((now & 1) == 1)
            {
                // The same handler has run on the leader for a whole interval: take the reading over.
                if (Interlocked.CompareExchange(ref _leaderRun, ((now >> 1) + 1) << 1, now) == now)
                {
                    lock (_standby)
                    {
                        _watcherTurn = null;
                    }

                    return true;
                }

                // The handler ended just now; look again later.
                seen = Volatile.Read(ref _leaderRun);
                continue;
            }

            if (++idleLooks < IdleLooksBeforeSleep)
            {
                continue;
            }

            // Nothing ran on the leader for a while: sleep until the next handler starts (BeginLeaderRun wakes this
            // thread) or the peer closes.
            turn.Reset();
            Interlocked.Exchange(ref _watcherAsleep, 1);
            if ((Volatile.Read(ref _leaderRun) & 1) == 0)
            {
                turn.Wait();
            }

            Interlocked.Exchange(ref _watcherAsleep, 0);
            if (IsClosed)
            {
                return false;
            }

            seen = Volatile.Read(ref _leaderRun);
            idleLooks = 0;
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
            var processed = ProcessGuardedAsync(frame.Payload);
            violation = processed.IsCompleted ? processed.GetAwaiter().GetResult() : processed.AsTask().GetAwaiter().GetResult();
            HoldFrameFor(_request, frame);
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

    // From Close: parked threads and the watcher wake, see the peer closed and end.
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

            _watcherTurn?.Set();
        }
    }
}
