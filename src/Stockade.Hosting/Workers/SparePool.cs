using Stockade.Core.Policy;

namespace Stockade.Hosting.Workers;

/// <summary>
/// The idle, initialised workers kept ahead of demand for one plugin (manifest <c>prewarm</c>). A spare is taken only
/// when it was built under the policy now in force; anything else is discarded (fail secure). Thread-safe.
/// </summary>
internal sealed class SparePool
{
    private readonly Lock _gate = new();
    private readonly List<ReadyWorker> _spares = [];
    private CancellationTokenSource _closing = new();
    private Task _filling = Task.CompletedTask;
    private bool _closed;
    private int _sequence;

    /// <summary>Cancelled when the pool is closed or emptied for a new policy: spares being launched give up.</summary>
    public CancellationToken Closing
    {
        get
        {
            lock (_gate)
            {
                return _closing.Token;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _spares.Count;
            }
        }
    }

    /// <summary>The pids of the spares now waiting (for tests and diagnostics).</summary>
    public IReadOnlyList<int> Pids
    {
        get
        {
            lock (_gate)
            {
                return [.. _spares.Select(s => s.Worker.Pid)];
            }
        }
    }

    public int NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Adds a spare unless the pool was closed or the policy changed meanwhile; false means the caller discards it.</summary>
    public bool TryAdd(ReadyWorker spare, SandboxPolicy current)
    {
        lock (_gate)
        {
            if (_closed || !ReferenceEquals(spare.Policy, current) || spare.Worker.HasExited)
            {
                return false;
            }

            _spares.Add(spare);
            return true;
        }
    }

    /// <summary>
    /// The oldest live spare built under <paramref name="current"/>, or null. Spares of another policy and dead ones
    /// are returned in <paramref name="stale"/> for the caller to dispose.
    /// </summary>
    public ReadyWorker? TryTake(SandboxPolicy current, List<ReadyWorker> stale)
    {
        lock (_gate)
        {
            ReadyWorker? taken = null;
            for (var i = _spares.Count - 1; i >= 0; i--)
            {
                var spare = _spares[i];
                if (!ReferenceEquals(spare.Policy, current) || spare.Worker.HasExited)
                {
                    stale.Add(spare);
                    _spares.RemoveAt(i);
                }
            }

            if (_spares.Count > 0)
            {
                taken = _spares[0];
                _spares.RemoveAt(0);
            }

            return taken;
        }
    }

    /// <summary>Forgets a spare (it exited, or is being discarded); false when it was not waiting here (taken already).</summary>
    public bool Remove(WorkerProcess worker)
    {
        lock (_gate)
        {
            return _spares.RemoveAll(s => ReferenceEquals(s.Worker, worker)) > 0;
        }
    }

    /// <summary>
    /// Takes every spare out (for the caller to dispose) and cancels launches in flight; with
    /// <paramref name="close"/>, no spare is accepted any more (the plugin is being unloaded).
    /// </summary>
    public List<ReadyWorker> Drain(bool close)
    {
        lock (_gate)
        {
            _closed |= close;
            var drained = new List<ReadyWorker>(_spares);
            _spares.Clear();
            _closing.Cancel();
            _closing.Dispose();
            _closing = new CancellationTokenSource();
            if (_closed)
            {
                _closing.Cancel();
            }

            return drained;
        }
    }

    /// <summary>Runs <paramref name="fill"/> unless a fill is already running; returns the running fill.</summary>
    public Task StartFill(Func<Task> fill)
    {
        lock (_gate)
        {
            if (_closed || !_filling.IsCompleted)
            {
                return _filling;
            }

            _filling = Task.Run(fill);
            return _filling;
        }
    }

    /// <summary>The fill in progress (completed when none).</summary>
    public Task Filling
    {
        get
        {
            lock (_gate)
            {
                return _filling;
            }
        }
    }
}
