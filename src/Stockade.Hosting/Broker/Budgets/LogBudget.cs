namespace Stockade.Hosting.Broker.Budgets;

/// <summary>
/// The log budget of one worker: how many <c>host.log</c> lines (and bytes) reach the host's logger per interval. Lines
/// beyond are dropped and counted; the broker reports the count in one line. One job: deciding. Thread-safe.
/// </summary>
internal sealed class LogBudget(BudgetOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private long _windowStart = time.GetTimestamp();
    private int _lines;
    private long _bytes;
    private long _droppedLines;
    private long _droppedBytes;

    /// <summary>True when a line of <paramref name="bytes"/> bytes may be logged; false when it is dropped (and counted).</summary>
    public bool Admit(long bytes)
    {
        lock (_gate)
        {
            if (time.GetElapsedTime(_windowStart) >= options.Interval)
            {
                _windowStart = time.GetTimestamp();
                _lines = 0;
                _bytes = 0;
            }

            if (_lines < options.LogLinesPerInterval && _bytes + bytes <= options.LogKbPerInterval * 1024L)
            {
                _lines++;
                _bytes += bytes;
                return true;
            }

            _droppedLines++;
            _droppedBytes += bytes;
            return false;
        }
    }

    /// <summary>Lines and bytes dropped since the last call.</summary>
    public (long Lines, long Bytes) TakeDropped()
    {
        lock (_gate)
        {
            var dropped = (_droppedLines, _droppedBytes);
            _droppedLines = 0;
            _droppedBytes = 0;
            return dropped;
        }
    }
}
