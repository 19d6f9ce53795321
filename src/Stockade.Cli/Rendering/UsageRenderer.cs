using System.Globalization;
using Stockade.Hosting.Monitoring;

namespace Stockade.Cli.Rendering;

/// <summary>Formats a worker's resource usage for people.</summary>
internal static class UsageRenderer
{
    /// <summary>One line: CPU, RSS, threads, open files and disk in <c>$PLUGIN_DATA</c> (<c>n/a</c> until the folder is first scanned).</summary>
    public static string Line(ResourceUsage usage, bool total)
    {
        var cpu = usage.CpuPercent.ToString("0.#", CultureInfo.InvariantCulture) + " %";
        if (total)
        {
            cpu += $" (total {usage.CpuTime.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s)";
        }

        var disk = usage.DiskBytes is long d ? Bytes(d) : "n/a";
        return $"CPU {cpu}, RSS {Bytes(usage.MemoryBytes)}, threads {usage.Threads.ToString(CultureInfo.InvariantCulture)}, open files {usage.OpenFiles.ToString(CultureInfo.InvariantCulture)}, disk in $PLUGIN_DATA {disk}";
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{(bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture)} GiB",
        >= 1L << 20 => $"{(bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture)} MiB",
        >= 1L << 10 => $"{(bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture)} KiB",
        _ => $"{bytes} B",
    };
}
