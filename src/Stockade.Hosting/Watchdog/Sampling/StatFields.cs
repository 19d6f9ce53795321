namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>Parsed <c>/proc/&lt;pid&gt;/stat</c>.</summary>
/// <param name="State">The state letter; <c>Z</c> is a zombie, <c>X</c> dead.</param>
/// <param name="ParentPid">The parent's pid.</param>
/// <param name="CpuTicks">utime + stime + cutime + cstime, in clock ticks.</param>
/// <param name="Threads">num_threads.</param>
/// <param name="StartTime">starttime, in clock ticks after boot.</param>
internal readonly record struct StatFields(byte State, int ParentPid, long CpuTicks, int Threads, long StartTime)
{
    public bool Exited => State is (byte)'Z' or (byte)'X' or (byte)'x';
}
