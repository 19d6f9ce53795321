using System.Diagnostics;

namespace Stockade.Hosting.Workers;

/// <summary>
/// Time during which a plugin's call timeouts do not run: while a person is asked for a permission the plugin requested
/// at run time (issue 18), the plugin waits on the person, not on its own work, and a 3 s call timeout must not kill it
/// while someone reads a dialog. Pauses nest (two prompts at once); the paused time counts once.
/// </summary>
internal sealed class CallPauses
{
    private readonly Lock _gate = new();
    private int _depth;
    private long _pausedTicks;
    private long _openedAt;

    /// <summary>True while at least one pause is open.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _depth > 0;
            }
        }
    }

    /// <summary>All the paused time so far (the open pause included), as a monotonic total: a call subtracts the total at its start.</summary>
    public TimeSpan Total
    {
        get
        {
            lock (_gate)
            {
                var ticks = _pausedTicks + (_depth > 0 ? Stopwatch.GetTimestamp() - _openedAt : 0);
                return Stopwatch.GetElapsedTime(0, ticks);
            }
        }
    }

    /// <summary>Opens a pause; disposing the result closes it (once).</summary>
    public IDisposable Pause()
    {
        lock (_gate)
        {
            if (_depth++ == 0)
            {
                _openedAt = Stopwatch.GetTimestamp();
            }
        }

        return new Resume(this);
    }

    private void Close()
    {
        lock (_gate)
        {
            if (--_depth == 0)
            {
                _pausedTicks += Stopwatch.GetTimestamp() - _openedAt;
            }
        }
    }

    private sealed class Resume(CallPauses owner) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                owner.Close();
            }
        }
    }
}
