using System.Diagnostics;
using System.ComponentModel;
using Stockade.Linux.FileSystem;
using Stockade.Linux.Procfs;

namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>
/// Reads a process tree's usage from <c>/proc</c>: <c>stat</c> on every read (CPU time, threads, start
/// time, resident pages), and with details <c>fd</c> (open files and sockets) and <c>io</c> (storage bytes).
/// </summary>
/// <remarks>
/// Safe to call from several threads: all per-read state is local, and the process tree is swapped
/// in whole by <see cref="Refresh"/>. Files are read through <see cref="ProcfsReader"/> (bare
/// <c>open</c>/<c>read</c>/<c>close</c> into stack buffers, one <c>readlinkat</c> per descriptor, no strings).
/// One <c>stat</c> read is the cheapest complete source of what hard limits need:
/// <c>status</c> costs about four times as much to generate and the descriptor walk a hundred times.
/// </remarks>
internal sealed class ProcessSampler : IUsageSource
{
    /// <summary>
    /// <c>sysconf(_SC_CLK_TCK)</c>: <c>/proc</c> reports times in USER_HZ, which the kernel ABI fixes at
    /// 100 on every architecture .NET supports on Linux (P/Invoke is kept to Stockade.Linux).
    /// </summary>
    internal const int ClockTicksPerSecond = 100;

    /// <summary>Most descendants summed into one watched process; a fork bomb is not walked to its end.</summary>
    internal const int MaxDescendants = 512;

    private const int StatBufferSize = 1024;
    private const int IoBufferSize = 512;

    private static readonly long PageSize = Environment.SystemPageSize;

    private volatile ProcessTree? _tree;

    /// <inheritdoc />
    public void Refresh() => _tree = ProcessTree.Scan();

    /// <summary>Reads every counter, details included, of <paramref name="pid"/> and its descendants.</summary>
    /// <param name="pid">The root process.</param>
    /// <param name="reading">The summed counters.</param>
    /// <returns><see langword="false"/> when the process has exited.</returns>
    public bool TryRead(int pid, out ProcessReading reading) => TryRead(pid, details: true, out reading);

    /// <inheritdoc />
    public bool TryRead(int pid, bool details, out ProcessReading reading)
    {
        reading = default;
        if (!TryReadOne(pid, details, out var root))
        {
            return false;
        }

        var tree = _tree ??= ProcessTree.Scan();
        var total = root;
        var processes = 1;
        if (tree.HasChildren(pid))
        {
            var descendants = new List<int>();
            tree.CollectDescendants(pid, descendants, MaxDescendants);
            foreach (var child in descendants)
            {
                if (TryReadOne(child, details, out var one))
                {
                    total = total.Add(one);
                    processes++;
                }
            }
        }

        reading = new ProcessReading(
            root.StartTime,
            TimeSpan.FromSeconds((double)total.CpuTicks / ClockTicksPerSecond),
            total.MemoryBytes,
            total.Threads,
            total.OpenFiles,
            total.Sockets,
            processes,
            total.ReadBytes,
            total.WriteBytes,
            details);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Walked through directory descriptors (<see cref="SafeTree.Measure"/>): a link is counted as itself, never
    /// followed (a link to <c>/</c> in <c>$PLUGIN_DATA</c> costs one entry), another device is not entered, a sparse
    /// file counts its apparent size. The work per scan is bounded by <paramref name="maxEntries"/> and the budget.
    /// </remarks>
    public DiskMeasure? MeasureDisk(string directory, TimeSpan budget, long maxEntries)
    {
        try
        {
            return SafeTree.Measure(directory, maxEntries, budget) is { } usage
                ? new DiskMeasure(usage.Bytes, usage.Entries, usage.TooMany || usage.TooDeep)
                : null;
        }
        catch (Win32Exception)
        {
            // A folder that cannot be listed (removed while walked): nothing counted this time.
            return null;
        }
    }

    private static bool TryReadOne(int pid, bool details, out Single one)
    {
        one = default;
        Span<byte> buffer = stackalloc byte[StatBufferSize];

        var read = ProcfsReader.ReadPidFile(pid, "stat"u8, buffer);
        if (read <= 0 || !ProcFile.TryParseStat(buffer[..read], out var stat) || stat.Exited)
        {
            return false;
        }

        // A kernel thread or a process being torn down has no memory map: rss reads 0.
        var memory = stat.RssPages * PageSize;
        if (!details)
        {
            one = new Single(stat.StartTime, stat.CpuTicks, memory, stat.Threads, 0, 0, 0, 0);
            return true;
        }

        long? readBytes = null, writeBytes = null;
        read = ProcfsReader.ReadPidFile(pid, "io"u8, buffer[..IoBufferSize]);
        if (read > 0
            && ProcFile.TryParseKeyed(buffer[..read], "\nread_bytes:"u8, out var r)
            && ProcFile.TryParseKeyed(buffer[..read], "\nwrite_bytes:"u8, out var w))
        {
            readBytes = r;
            writeBytes = w;
        }

        // Another user's process without ptrace access, or one that exited while listed: counted as none, as before.
        _ = ProcfsReader.CountDescriptors(pid, out var files, out var sockets);
        one = new Single(stat.StartTime, stat.CpuTicks, memory, stat.Threads, files, sockets, readBytes, writeBytes);
        return true;
    }

    /// <summary>The counters of one process, before summing.</summary>
    private readonly record struct Single(
        long StartTime,
        long CpuTicks,
        long MemoryBytes,
        int Threads,
        int OpenFiles,
        int Sockets,
        long? ReadBytes,
        long? WriteBytes)
    {
        public Single Add(Single other) => this with
        {
            CpuTicks = CpuTicks + other.CpuTicks,
            MemoryBytes = MemoryBytes + other.MemoryBytes,
            Threads = Threads + other.Threads,
            OpenFiles = OpenFiles + other.OpenFiles,
            Sockets = Sockets + other.Sockets,
            ReadBytes = ReadBytes + other.ReadBytes,
            WriteBytes = WriteBytes + other.WriteBytes,
        };
    }
}
