using System.ComponentModel;
using System.Globalization;
using Stockade.Hosting.Monitoring.Sampling;
using Stockade.Linux.FileSystem;
using Stockade.Linux.Procfs;

namespace Stockade.Hosting.Workers;

/// <summary>
/// The temporary folders of workers: one per worker, <c>temp/&lt;id&gt;/w-&lt;host pid&gt;-&lt;host start&gt;-&lt;n&gt;/</c>
/// (DESIGN §9), so no two workers share one and a later host can tell whose a folder was. A folder is removed
/// with <see cref="SafeTree"/> (through descriptors, never following a link the plugin planted) once its worker
/// has ended; a host started later removes the folders of hosts that are gone (a host killed with SIGKILL cannot
/// clean up), and never those of a host still running.
/// </summary>
internal sealed class WorkerTempFolders(string tempRoot)
{
    private const string Prefix = "w-";
    private static readonly Lazy<long> s_ownStart = new(() => StartTimeOf(Environment.ProcessId) ?? 0);
    private long _sequence;

    /// <summary>The folder holding every plugin's worker folders (<c>temp/</c>).</summary>
    public string Root { get; } = tempRoot;

    /// <summary>A new, unused folder path for a worker of <paramref name="pluginId"/> (not created).</summary>
    public string NewFolder(string pluginId) =>
        Path.Combine(Root, pluginId, string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}{Environment.ProcessId}-{s_ownStart.Value}-{Interlocked.Increment(ref _sequence)}"));

    /// <summary>Removes a worker's folder without following anything in it; false when something was left (best effort, logged by the caller).</summary>
    public static bool Remove(string folder)
    {
        try
        {
            return SafeTree.Remove(folder);
        }
        catch (Exception ex) when (ex is Win32Exception or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes the worker folders (and the spare folders of the layout before per-worker folders,
    /// <c>temp/&lt;id&gt;.spare-&lt;host pid&gt;-&lt;n&gt;</c>) whose host is no longer running.
    /// </summary>
    /// <returns>How many folders were removed.</returns>
    public int SweepStale()
    {
        var removed = 0;
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        foreach (var plugin in Directory.EnumerateDirectories(Root))
        {
            // temp/ and temp/<id>/ are the host's own folders (a worker can write only below temp/<id>/<worker>/),
            // so listing them by path is safe; what is below a worker folder is only ever removed through SafeTree.
            var name = Path.GetFileName(plugin);
            var spare = name.LastIndexOf(".spare-", StringComparison.Ordinal);
            if (spare > 0)
            {
                var tail = name[(spare + ".spare-".Length)..];
                var dash = tail.IndexOf('-', StringComparison.Ordinal);
                if (dash > 0 && int.TryParse(tail.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var oldHost) && !Directory.Exists($"/proc/{oldHost}"))
                {
                    removed += Remove(plugin) ? 1 : 0;
                }

                continue;
            }

            if (IsLink(plugin))
            {
                continue;
            }

            foreach (var worker in SafeNames(plugin))
            {
                if (TryParse(worker, out var hostPid, out var hostStart) && !IsRunning(hostPid, hostStart))
                {
                    removed += Remove(Path.Combine(plugin, worker)) ? 1 : 0;
                }
            }
        }

        return removed;
    }

    /// <summary>Reads the host pid and start time from a worker folder's name.</summary>
    internal static bool TryParse(string name, out int hostPid, out long hostStart)
    {
        hostPid = 0;
        hostStart = 0;
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = name[Prefix.Length..].Split('-');
        return parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out hostPid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out hostStart)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>Whether the process <paramref name="pid"/> runs and started at <paramref name="startTime"/> (so a reused pid is not mistaken for the host).</summary>
    internal static bool IsRunning(int pid, long startTime) => pid > 0 && StartTimeOf(pid) is { } start && start == startTime;

    private static long? StartTimeOf(int pid)
    {
        Span<byte> buffer = stackalloc byte[1024];
        var read = ProcfsReader.ReadPidFile(pid, "stat"u8, buffer);
        return read > 0 && ProcFile.TryParseStat(buffer[..read], out var stat) ? stat.StartTime : null;
    }

    private static bool IsLink(string path)
    {
        try
        {
            return new DirectoryInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static IEnumerable<string> SafeNames(string folder)
    {
        try
        {
            return [.. Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).OfType<string>()];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
