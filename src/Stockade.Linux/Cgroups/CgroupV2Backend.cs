using System.Globalization;

namespace Stockade.Linux.Cgroups;

/// <summary>
/// cgroup v2 in a delegated subtree: one directory per worker under <see cref="Parent"/>, whose
/// <c>cgroup.subtree_control</c> enables memory, cpu and pids. Not run on a v2 kernel here (this machine has only v1
/// controllers): it is tested against a directory laid out like cgroupfs.
/// </summary>
internal sealed class CgroupV2Backend : ICgroupBackend
{
    /// <summary>The controllers a v2 worker cgroup needs.</summary>
    public static readonly string[] Controllers = ["memory", "cpu", "pids"];

    /// <param name="parent">The delegated directory the worker cgroups are made in (its subtree_control already enables <see cref="Controllers"/>).</param>
    public CgroupV2Backend(string parent)
    {
        Parent = parent;
        Description = $"cgroup v2: memory, cpu, pids under {parent}";
    }

    public string Parent { get; }

    public CgroupBackendKind Kind => CgroupBackendKind.V2;

    public string Description { get; }

    /// <summary>What is missing for <paramref name="parent"/> to hold workers (controllers not enabled for its children, not writable), or null.</summary>
    public static string? Problem(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return $"{parent} does not exist";
        }

        if (!CgroupFile.IsWritable(parent))
        {
            return $"{parent} is not writable by this user (delegate it: systemd Delegate=yes, or chown it)";
        }

        string enabled = CgroupFile.ReadText(Path.Combine(parent, "cgroup.subtree_control")) ?? string.Empty;
        string available = CgroupFile.ReadText(Path.Combine(parent, "cgroup.controllers")) ?? string.Empty;
        string[] missing = [.. Controllers.Where(c => !Words(available).Contains(c))];
        if (missing.Length > 0)
        {
            return $"{parent} lacks the {string.Join(", ", missing)} controller{(missing.Length > 1 ? "s" : "")} (cgroup.controllers: '{available.Trim()}')";
        }

        string[] off = [.. Controllers.Where(c => !Words(enabled).Contains(c))];
        if (off.Length > 0 && !CgroupBackends.ProbeOnly)
        {
            // Enabling needs a parent without processes of its own (v2's no-internal-process rule).
            try
            {
                File.WriteAllText(Path.Combine(parent, "cgroup.subtree_control"), string.Join(' ', off.Select(c => "+" + c)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"cannot enable {string.Join(", ", off)} in {parent}/cgroup.subtree_control: {ex.Message} (a v2 parent with processes of its own cannot enable controllers: move them to a leaf)";
            }
        }

        return null;
    }

    private static string[] Words(string text) => text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);

    public IWorkerCgroup Create(string name, CgroupLimits limits, int? owner)
    {
        ArgumentNullException.ThrowIfNull(limits);
        string directory = Path.Combine(Parent, CgroupNames.ForWorker(name));
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"cannot create the worker's cgroup {directory}: {ex.Message}", ex);
        }

        var worker = new CgroupV2Worker(directory);
        try
        {
            worker.Apply(limits);
            if (owner is int uid)
            {
                CgroupFile.Chown(Path.Combine(directory, "cgroup.procs"), uid);
                string threads = Path.Combine(directory, "cgroup.threads");
                if (File.Exists(threads))
                {
                    CgroupFile.Chown(threads, uid);
                }
            }

            return worker;
        }
        catch
        {
            CgroupFile.TryRemoveDirectory(directory, TimeSpan.FromMilliseconds(200));
            throw;
        }
    }

    public int RemoveStale()
    {
        int removed = 0;
        string[] directories;
        try
        {
            directories = Directory.GetDirectories(Parent, CgroupNames.Prefix + "*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (string directory in directories.Where(d => CgroupNames.IsStale(Path.GetFileName(d))))
        {
            using var worker = new CgroupV2Worker(directory);
            worker.Dispose();
            removed += worker.Removed ? 1 : 0;
        }

        return removed;
    }
}

/// <summary>One worker's v2 cgroup.</summary>
internal sealed class CgroupV2Worker(string directory) : IWorkerCgroup
{
    private const int Period = 100_000;
    private int _disposed;

    public string Directory { get; } = directory;

    public IReadOnlyList<string> ProcsFiles { get; } = [Path.Combine(directory, "cgroup.procs")];

    public bool Removed { get; private set; }

    private string File(string name) => Path.Combine(Directory, name);

    /// <summary>memory.max is the hard limit; memory.high at 90 % of it makes the kernel reclaim and slow the worker before it is reached.</summary>
    internal void Apply(CgroupLimits limits)
    {
        if (limits.MemoryBytes is long bytes)
        {
            CgroupFile.Write(File("memory.max"), bytes.ToString(CultureInfo.InvariantCulture));
            CgroupFile.Write(File("memory.high"), (bytes / 10 * 9).ToString(CultureInfo.InvariantCulture));
            if (System.IO.File.Exists(File("memory.swap.max")))
            {
                CgroupFile.Write(File("memory.swap.max"), "0");
            }
        }

        if (limits.CpuPercent is not null)
        {
            SetCpuPercent(limits.CpuPercent);
        }

        if (limits.Tasks is int tasks)
        {
            CgroupFile.Write(File("pids.max"), tasks.ToString(CultureInfo.InvariantCulture));
        }
    }

    public CgroupCounters ReadCounters()
    {
        // One read of cpu.stat: usage_usec is always there; nr_periods, nr_throttled and throttled_usec with the cpu controller.
        string? stat = CgroupFile.ReadText(File("cpu.stat"));
        long? usage = stat is null ? null : CgroupFile.ParseKeyed(stat, "usage_usec");
        long? throttled = stat is null ? null : CgroupFile.ParseKeyed(stat, "throttled_usec");
        return new CgroupCounters(
            MemoryCurrentBytes: CgroupFile.ReadNumber(File("memory.current")),
            MemoryPeakBytes: CgroupFile.ReadNumber(File("memory.peak")),
            MemoryLimitBytes: CgroupFile.ReadNumber(File("memory.max")),
            OomKills: CgroupFile.ReadKeyed(File("memory.events"), "oom_kill"),
            MemoryLimitHits: CgroupFile.ReadKeyed(File("memory.events"), "max"),
            TasksCurrent: CgroupFile.ReadNumber(File("pids.current")),
            TasksLimitHits: CgroupFile.ReadKeyed(File("pids.events"), "max"),
            CpuUsage: usage is long u ? TimeSpan.FromMicroseconds(u) : null,
            CpuThrottled: throttled is long t ? TimeSpan.FromMicroseconds(t) : null,
            CpuPeriods: stat is null ? null : CgroupFile.ParseKeyed(stat, "nr_periods"),
            CpuThrottledPeriods: stat is null ? null : CgroupFile.ParseKeyed(stat, "nr_throttled"),
            CpuQuotaPercent: QuotaPercent(CgroupFile.ReadText(File("cpu.max"))));
    }

    /// <summary>cpu.max is "$QUOTA $PERIOD" in µs, the quota "max" when unlimited: the quota as a percentage of one core, or null.</summary>
    internal static double? QuotaPercent(string? cpuMax)
    {
        string[] parts = (cpuMax ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long quota) && quota > 0
            && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long period) && period > 0
            ? quota * 100.0 / period
            : null;
    }

    public void SetCpuPercent(int? percent)
    {
        if (percent is int p)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        }

        string quota = percent is int q ? ((long)q * Period / 100).ToString(CultureInfo.InvariantCulture) : "max";
        CgroupFile.Write(File("cpu.max"), string.Create(CultureInfo.InvariantCulture, $"{quota} {Period}"));
    }

    public void KillAll() => KillAll(TimeSpan.FromSeconds(5));

    /// <summary>cgroup.kill where the kernel has it (5.14+); else freeze, SIGKILL each task, thaw (v2 delivers SIGKILL to frozen tasks anyway).</summary>
    internal bool KillAll(TimeSpan patience)
    {
        long deadline = Environment.TickCount64 + (long)patience.TotalMilliseconds;
        TryWrite(File("pids.max"), "0"); // no new task while the kill lands (without cgroup.kill, a fork chain outruns a read-then-kill loop)
        if (System.IO.File.Exists(File("cgroup.kill")) && TryWrite(File("cgroup.kill"), "1"))
        {
            // Done by the kernel; wait for the tasks to leave.
        }
        else
        {
            bool frozen = System.IO.File.Exists(File("cgroup.freeze")) && TryWrite(File("cgroup.freeze"), "1");
            _ = CgroupSignal.KillMembers(Members(), Members);

            if (frozen)
            {
                TryWrite(File("cgroup.freeze"), "0");
            }
        }

        while (CgroupFile.ReadPids(File("cgroup.procs")) is { Count: > 0 } left)
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            _ = CgroupSignal.KillMembers(left, Members);

            Thread.Sleep(2);
        }

        return true;
    }

    private HashSet<int> Members() => [.. CgroupFile.ReadPids(File("cgroup.procs"))];

    private static bool TryWrite(string path, string value)
    {
        try
        {
            System.IO.File.WriteAllText(path, value);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (CgroupFile.ReadPids(File("cgroup.procs")).Count > 0)
        {
            KillAll(TimeSpan.FromSeconds(5));
        }

        Removed = CgroupFile.TryRemoveDirectory(Directory, TimeSpan.FromSeconds(2));
    }
}
