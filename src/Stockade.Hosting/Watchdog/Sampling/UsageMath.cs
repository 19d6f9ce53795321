namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>Turns two cumulative readings into a <see cref="ResourceUsage"/> with rates.</summary>
internal static class UsageMath
{
    public static ResourceUsage Compute(in ProcessReading previous, in ProcessReading current, TimeSpan elapsed, long? diskBytes, DateTimeOffset at)
    {
        var seconds = elapsed.TotalSeconds;
        return new ResourceUsage
        {
            // A descendant that exits between samples takes its CPU time with it until its parent reaps
            // it; the dip would read as negative use, so it is clamped to zero.
            CpuPercent = seconds > 0 ? Math.Max(0, (current.CpuTime - previous.CpuTime).TotalSeconds / seconds * 100) : 0,
            CpuTime = current.CpuTime,
            MemoryBytes = current.MemoryBytes,
            Threads = current.Threads,
            OpenFiles = current.OpenFiles,
            Sockets = current.Sockets,
            Processes = current.Processes,
            DiskBytes = diskBytes,
            ReadBytes = current.ReadBytes,
            WriteBytes = current.WriteBytes,
            ReadBytesPerSecond = Rate(previous.ReadBytes, current.ReadBytes, seconds),
            WriteBytesPerSecond = Rate(previous.WriteBytes, current.WriteBytes, seconds),
            SampledAt = at,
        };
    }

    /// <summary>Bytes per second between two cumulative counters; null when either is unknown.</summary>
    public static double? Rate(long? before, long? after, double seconds) =>
        before is { } b && after is { } a && seconds > 0 ? Math.Max(0, (a - b) / seconds) : null;
}
