namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>Parsed <c>/proc/&lt;pid&gt;/stat</c>.</summary>
/// <param name="State">The state letter; <c>Z</c> is a zombie, <c>X</c> dead.</param>
/// <param name="ParentPid">The parent's pid.</param>
/// <param name="CpuTicks">utime + stime + cutime + cstime, in clock ticks.</param>
/// <param name="Threads">num_threads.</param>
/// <param name="StartTime">starttime, in clock ticks after boot.</param>
/// <param name="RssPages">rss, resident pages: the same count (<c>get_mm_rss</c>) as VmRSS in <c>status</c>.</param>
internal readonly record struct StatFields(byte State, int ParentPid, long CpuTicks, int Threads, long StartTime, long RssPages)
{
    public bool Exited => State is (byte)'Z' or (byte)'X' or (byte)'x';
}
