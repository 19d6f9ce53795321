using Stockade.Hosting.Monitoring.Sampling;

namespace Stockade.Hosting.Tests.Watchdog;

/// <summary>An <see cref="IUsageSource"/> whose figures the test sets before each tick.</summary>
internal sealed class ScriptedUsageSource : IUsageSource
{
    private readonly Dictionary<int, ProcessReading> _readings = [];

    public int DiskScans { get; private set; }

    /// <summary>Reads that asked for descriptors and storage bytes, the costly part of a real read.</summary>
    public int DetailReads { get; private set; }

    public long? Disk { get; set; }

    public void Set(int pid, long memoryBytes = 0, int threads = 1, int openFiles = 3, long startTime = 1)
    {
        var cpu = _readings.TryGetValue(pid, out var old) ? old.CpuTime : TimeSpan.Zero;
        _readings[pid] = new ProcessReading(startTime, cpu, memoryBytes, threads, openFiles, 0, 1, 0, 0);
    }

    /// <summary>Adds CPU time as if the process used <paramref name="percent"/> of a core during <paramref name="interval"/>.</summary>
    public void SpendCpu(int pid, double percent, TimeSpan interval)
    {
        var reading = _readings[pid];
        _readings[pid] = reading with { CpuTime = reading.CpuTime + (interval * (percent / 100)) };
    }

    public void Exit(int pid) => _readings.Remove(pid);

    public void Refresh()
    {
    }

    /// <summary>Like the real sampler, a read without details leaves descriptors, sockets and bytes at zero.</summary>
    public bool TryRead(int pid, bool details, out ProcessReading reading)
    {
        if (!_readings.TryGetValue(pid, out reading))
        {
            return false;
        }

        if (details)
        {
            DetailReads++;
        }
        else
        {
            reading = reading with { OpenFiles = 0, Sockets = 0, ReadBytes = 0, WriteBytes = 0, HasDetails = false };
        }

        return true;
    }

    public DiskMeasure? MeasureDisk(string directory, TimeSpan budget, long maxEntries)
    {
        DiskScans++;
        return Disk is { } bytes ? new DiskMeasure(bytes, 1, TooMany) : null;
    }

    /// <summary>Makes every disk scan report that the entry cap was reached.</summary>
    public bool TooMany { get; set; }
}
