namespace Stockade.Hosting.Workers;

/// <summary>
/// The one place where a worker's (and a plugin's) state changes. Every legal move is in <see cref="IsLegal"/>; any other
/// is refused, so a worker can never, say, be Ready again after it was Stopped, or serve while Draining. A move to
/// <see cref="WorkerState.Stopped"/> happens exactly once per worker, and whoever wins it records the end.
/// </summary>
/// <remarks>
/// A worker goes Starting → Ready → Draining → Stopped, or straight to Stopped from Starting or Ready when it dies or
/// is killed. A plugin's slot goes Stopped → Disabled when it is turned off and Disabled → Stopped when it is turned on
/// again (a worker is never Disabled). Thread-safe.
/// </remarks>
internal sealed class WorkerStateMachine
{
    private readonly Lock _gate = new();
    private WorkerState _state;

    public WorkerStateMachine(WorkerState initial = WorkerState.Starting) => _state = initial;

    public WorkerState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The legal moves, all of them.</summary>
    public static bool IsLegal(WorkerState from, WorkerState to) => (from, to) switch
    {
        (WorkerState.Starting, WorkerState.Ready) => true,     // answered initialize
        (WorkerState.Starting, WorkerState.Draining) => true,  // the host stops it while it starts (unload, shutdown)
        (WorkerState.Starting, WorkerState.Stopped) => true,   // it died or was killed before it was ready
        (WorkerState.Ready, WorkerState.Draining) => true,     // the host stops it
        (WorkerState.Ready, WorkerState.Stopped) => true,      // it died or was killed while serving
        (WorkerState.Draining, WorkerState.Stopped) => true,   // it is gone
        (WorkerState.Stopped, WorkerState.Disabled) => true,   // (plugin) turned off
        (WorkerState.Disabled, WorkerState.Stopped) => true,   // (plugin) turned on again
        _ => false,
    };

    /// <summary>Moves to <paramref name="to"/> when that is legal from the current state; returns the state it left, or null when refused.</summary>
    public WorkerState? TryMove(WorkerState to)
    {
        lock (_gate)
        {
            if (!IsLegal(_state, to))
            {
                return null;
            }

            var from = _state;
            _state = to;
            return from;
        }
    }

    /// <summary>Moves to <paramref name="to"/> when the current state is one of <paramref name="from"/>; returns whether it moved.</summary>
    public bool TryMove(WorkerState to, params ReadOnlySpan<WorkerState> from)
    {
        lock (_gate)
        {
            if (!from.Contains(_state) || !IsLegal(_state, to))
            {
                return false;
            }

            _state = to;
            return true;
        }
    }

    /// <summary>The state's name as records and messages show it (<c>starting</c>, <c>ready</c>…).</summary>
    public static string Name(WorkerState state) => state.ToString().ToLowerInvariant();
}
