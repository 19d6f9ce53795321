using System.Globalization;

namespace Stockade.Hosting.Workers;

/// <summary>
/// What the kernel said about one worker while it lived, kept for the verdict on its death: its CPU time
/// (<c>/proc/&lt;pid&gt;/stat</c>) and its memory high-water marks (<c>/proc/&lt;pid&gt;/status</c>). A worker is reaped
/// before its exit is seen, so these are the last figures read while it ran. Readable without privileges (stat and
/// status are world-readable), whatever uid the worker runs as.
/// </summary>
/// <remarks>
/// Sampled when the worker writes to stderr (a dying runtime prints its error there while its memory is still mapped;
/// at most one read per <see cref="StderrSampleGap"/>) and, when it has a CPU-time limit, on a timer that reads more
/// often the closer it gets to the limit, so a kernel kill at the limit is seen within a few hundredths of a second.
/// What the worker writes only decides <em>when</em> to look, never what is concluded. Thread-safe.
/// </remarks>
internal sealed class WorkerWitness : IDisposable
{
    private static readonly TimeSpan StderrSampleGap = TimeSpan.FromMilliseconds(20);
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on every Linux ABI .NET runs on
    private readonly int _pid;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private long _lastStderrSample;
    private TimeSpan _cpu;
    private long _peakData;
    private long _peakResident;
    private int _samples;

    private readonly long? _startTime;

    public WorkerWitness(int pid)
    {
        _pid = pid;
        _startTime = ReadStat(pid)?.StartTime; // the worker's own: read while the host has not yet reaped it
    }

    /// <summary>The CPU time (user + system) last read.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            lock (_gate)
            {
                return _cpu;
            }
        }
    }

    /// <summary>
    /// The highest data-segment size read (what <c>RLIMIT_DATA</c> counts), in bytes: the larger of <c>VmData</c> and
    /// <c>VmPeak − (VmSize − VmData)</c> (the peak virtual size less what is not data: code, libraries, stacks).
    /// </summary>
    public long PeakDataBytes
    {
        get
        {
            lock (_gate)
            {
                return _peakData;
            }
        }
    }

    /// <summary>The highest resident set read (<c>VmHWM</c>), in bytes.</summary>
    public long PeakResidentBytes
    {
        get
        {
            lock (_gate)
            {
                return _peakResident;
            }
        }
    }

    /// <summary>How many reads succeeded (0: nothing is known).</summary>
    public int Samples
    {
        get
        {
            lock (_gate)
            {
                return _samples;
            }
        }
    }

    /// <summary>Starts the CPU-time watch for a worker with a CPU-time limit.</summary>
    /// <remarks>On a thread of its own, so a busy thread pool does not delay the reads near the limit.</remarks>
    public void WatchCpu(TimeSpan limit)
    {
        var token = _stop.Token;
        new Thread(() => WatchCpu(limit, token)) { IsBackground = true, Name = "Stockade CPU witness" }.Start();
    }

    /// <summary>Reads now, unless a read happened within <see cref="StderrSampleGap"/> (called for every stderr line).</summary>
    public void OnActivity()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastStderrSample);
        if (now - last < StderrSampleGap.TotalMilliseconds || Interlocked.CompareExchange(ref _lastStderrSample, now, last) != last)
        {
            return;
        }

        Sample();
    }

    /// <summary>Reads the worker's stat and status now; false when it is gone.</summary>
    /// <remarks>
    /// Once the worker is reaped its pid may name another process (pid_max can be 32768): every figure is taken only
    /// when the process's start time, read before and after, is the worker's own, so a pid's next owner never
    /// lends the verdict its CPU time or memory.
    /// </remarks>
    public bool Sample()
    {
        if (_startTime is not long started || ReadStat(_pid) is not { } before || before.StartTime != started)
        {
            return false;
        }

        var memory = ReadStatus(_pid);
        if (ReadStat(_pid) is not { } after || after.StartTime != started)
        {
            return false;
        }

        var cpu = (TimeSpan?)after.Cpu;

        lock (_gate)
        {
            _samples++;
            if (cpu is { } c && c > _cpu)
            {
                _cpu = c;
            }

            if (memory is { } m)
            {
                _peakData = Math.Max(_peakData, m.PeakData);
                _peakResident = Math.Max(_peakResident, m.PeakResident);
            }
        }

        return true;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private void WatchCpu(TimeSpan limit, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested && Sample())
            {
                // However many threads it runs, it cannot use more than every core: wait half the time the rest of its
                // budget would take at full speed, between 10 ms and 1 s.
                var left = limit - CpuTime;
                var wait = TimeSpan.FromTicks(Math.Clamp(left.Ticks / Math.Max(1, Environment.ProcessorCount) / 2, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
                if (stop.WaitHandle.WaitOne(wait))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Stopped with the worker.
        }
    }

    /// <summary>utime + stime from /proc/&lt;pid&gt;/stat (fields 14 and 15, after the command in parentheses).</summary>
    internal static TimeSpan? ReadCpu(int pid) => ReadStat(pid)?.Cpu;

    /// <summary>utime + stime (fields 14 and 15) and the start time in clock ticks since boot (field 22) from /proc/&lt;pid&gt;/stat.</summary>
    internal static (TimeSpan Cpu, long StartTime)? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var close = text.LastIndexOf(')');
            if (close < 0)
            {
                return null;
            }

            var fields = text[(close + 2)..].Split(' ');
            // After the command: state(3) ppid(4) … utime(14) stime(15), i.e. indexes 11 and 12 here.
            // starttime (22) is index 19.
            if (fields.Length < 20 || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
                || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
                || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                return null;
            }

            return (TimeSpan.FromSeconds((user + system) / TicksPerSecond), start);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The data-segment high-water estimate and VmHWM from /proc/&lt;pid&gt;/status, in bytes.</summary>
    internal static (long PeakData, long PeakResident)? ReadStatus(int pid)
    {
        try
        {
            long peak = -1, size = -1, data = -1, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmPeak:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line);
                }
                else if (line.StartsWith("VmSize:", StringComparison.Ordinal))
                {
                    size = Kilobytes(line);
                }
                else if (line.StartsWith("VmData:", StringComparison.Ordinal))
                {
                    data = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kilobytes(line);
                }
            }

            if (data < 0)
            {
                return null; // a zombie has no memory left to show
            }

            var estimate = peak >= 0 && size >= 0 ? Math.Max(data, peak - (size - data)) : data;
            return (estimate * 1024, hwm * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Kilobytes(string line)
    {
        var span = line.AsSpan(line.IndexOf(':') + 1).Trim();
        var space = span.IndexOf(' ');
        return long.TryParse(space < 0 ? span : span[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : -1;
    }
}
