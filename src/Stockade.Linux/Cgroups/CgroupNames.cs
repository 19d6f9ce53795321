using System.Globalization;
using System.Text;

namespace Stockade.Linux.Cgroups;

/// <summary>
/// Worker cgroups are named <c>stockade.&lt;host pid&gt;.&lt;host start time&gt;.&lt;worker&gt;</c>: the prefix lets a new host find
/// the cgroups of a host that died (its pid is gone, or now belongs to a process that started at another time) and
/// leave those of a live host (several hosts may share one parent) alone.
/// </summary>
internal static class CgroupNames
{
    public const string Prefix = "stockade.";

    /// <summary>This process's tag: pid and start time (clock ticks since boot, /proc/self/stat field 22).</summary>
    public static string HostTag { get; } = Tag(Environment.ProcessId, StartTimeOf(Environment.ProcessId) ?? 0);

    public static string Tag(int pid, long startTime) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{pid}.{startTime}.");

    /// <summary>The directory name for a worker of this host; characters outside letters, digits, '-' and '.' become '-'.</summary>
    public static string ForWorker(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var safe = new StringBuilder(name.Length);
        foreach (char c in name.Length > 100 ? name[..100] : name)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-');
        }

        return HostTag + safe;
    }

    /// <summary>True when <paramref name="directoryName"/> is a worker cgroup of a host that is no longer running.</summary>
    public static bool IsStale(string directoryName)
    {
        if (!directoryName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string[] parts = directoryName[Prefix.Length..].Split('.', 3);
        if (parts.Length < 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long started))
        {
            return false; // not ours to judge
        }

        return StartTimeOf(pid) != started;
    }

    /// <summary>A process's start time (field 22 of /proc/&lt;pid&gt;/stat), or null when there is no such process.</summary>
    public static long? StartTimeOf(int pid)
    {
        string? stat = CgroupFile.ReadText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        int close = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || close < 0)
        {
            return null;
        }

        // After "pid (comm)": state is field 3, so start time (22) is the 20th field from here.
        string[] fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start) ? start : null;
    }
}
