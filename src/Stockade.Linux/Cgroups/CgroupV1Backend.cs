using System.Globalization;

namespace Stockade.Linux.Cgroups;

/// <summary>
/// cgroup v1: one directory per worker under the host's parent in each controller (memory, cpu, cpuacct, pids,
/// freezer; co-mounted controllers share a directory). blkio is not used: its throttles need a device number and
/// rates no manifest limit gives, so disk stays with RLIMIT_FSIZE and the watchdog.
/// </summary>
internal sealed class CgroupV1Backend : ICgroupBackend
{
    private readonly Dictionary<string, string> _parents;

    /// <param name="parents">Each controller and the directory its worker cgroups are made in.</param>
    public CgroupV1Backend(IReadOnlyDictionary<string, string> parents)
    {
        _parents = new Dictionary<string, string>(parents, StringComparer.Ordinal);
        Description = "cgroup v1: " + string.Join(", ", _parents.Select(p => $"{p.Key} under {p.Value}"));
    }

    public CgroupBackendKind Kind => CgroupBackendKind.V1;

    public string Description { get; }

    /// <summary>The controllers in use and their parent directories.</summary>
    public IReadOnlyDictionary<string, string> Parents => _parents;

    public IWorkerCgroup Create(string name, CgroupLimits limits, int? owner)
    {
        ArgumentNullException.ThrowIfNull(limits);
        string directoryName = CgroupNames.ForWorker(name);
        var made = new Dictionary<string, string>(StringComparer.Ordinal);
        var directories = new List<string>();
        try
        {
            foreach ((string controller, string parent) in _parents)
            {
                string directory = Path.Combine(parent, directoryName);
                if (!directories.Contains(directory))
                {
                    try
                    {
                        Directory.CreateDirectory(directory);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        throw new CgroupException($"cannot create the worker's {controller} cgroup {directory}: {ex.Message}", ex);
                    }

                    directories.Add(directory);
                }

                made[controller] = directory;
            }

            var worker = new CgroupV1Worker(made, directories);
            worker.Apply(limits);
            if (owner is int uid)
            {
                foreach (string directory in directories)
                {
                    CgroupFile.Chown(Path.Combine(directory, "cgroup.procs"), uid);
                    CgroupFile.Chown(Path.Combine(directory, "tasks"), uid);
                }
            }

            return worker;
        }
        catch
        {
            foreach (string directory in directories)
            {
                CgroupFile.TryRemoveDirectory(directory, TimeSpan.FromMilliseconds(200));
            }

            throw;
        }
    }

    public int RemoveStale()
    {
        var stale = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach ((string controller, string parent) in _parents)
        {
            foreach (string directory in SafeList(parent))
            {
                string name = Path.GetFileName(directory);
                if (CgroupNames.IsStale(name))
                {
                    if (!stale.TryGetValue(name, out var controllers))
                    {
                        stale[name] = controllers = new Dictionary<string, string>(StringComparer.Ordinal);
                    }

                    controllers[controller] = directory;
                }
            }
        }

        int removed = 0;
        foreach (var controllers in stale.Values)
        {
            using var worker = new CgroupV1Worker(controllers, [.. controllers.Values.Distinct(StringComparer.Ordinal)]);
            worker.Dispose();
            removed += worker.Removed ? 1 : 0;
        }

        return removed;
    }

    private static string[] SafeList(string parent)
    {
        try
        {
            return Directory.GetDirectories(parent, CgroupNames.Prefix + "*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>One worker's v1 cgroup: a directory per controller.</summary>
internal sealed class CgroupV1Worker(Dictionary<string, string> controllers, List<string> directories) : IWorkerCgroup
{
    private const int Period = 100_000; // µs: the kernel's default CFS period
    private int _disposed;

    public IReadOnlyList<string> ProcsFiles { get; } = [.. directories.Select(d => Path.Combine(d, "cgroup.procs"))];

    /// <summary>True once every directory is gone.</summary>
    public bool Removed { get; private set; }

    private string? Dir(string controller) => controllers.GetValueOrDefault(controller);

    internal void Apply(CgroupLimits limits)
    {
        if (limits.MemoryBytes is long bytes && Dir("memory") is { } memory)
        {
            string value = bytes.ToString(CultureInfo.InvariantCulture);
            CgroupFile.Write(Path.Combine(memory, "memory.limit_in_bytes"), value);

            // With swap, memory+swap gets the same bound, so swapping never lets a worker hold more than its limit.
            string memsw = Path.Combine(memory, "memory.memsw.limit_in_bytes");
            if (File.Exists(memsw))
            {
                CgroupFile.Write(memsw, value);
            }
        }

        if (limits.CpuPercent is not null)
        {
            SetCpuPercent(limits.CpuPercent);
        }

        if (limits.Tasks is int tasks && Dir("pids") is { } pids)
        {
            CgroupFile.Write(Path.Combine(pids, "pids.max"), tasks.ToString(CultureInfo.InvariantCulture));
        }
    }

    public CgroupCounters ReadCounters()
    {
        string? memory = Dir("memory");
        string? pids = Dir("pids");
        string? cpu = Dir("cpu");
        string? cpuacct = Dir("cpuacct");
        long? usage = cpuacct is null ? null : CgroupFile.ReadNumber(Path.Combine(cpuacct, "cpuacct.usage"));

        // One read of cpu.stat for its three counters (nr_periods, nr_throttled, throttled_time in ns).
        string? stat = cpu is null ? null : CgroupFile.ReadText(Path.Combine(cpu, "cpu.stat"));
        long? throttled = stat is null ? null : CgroupFile.ParseKeyed(stat, "throttled_time");
        return new CgroupCounters(
            MemoryCurrentBytes: memory is null ? null : CgroupFile.ReadNumber(Path.Combine(memory, "memory.usage_in_bytes")),
            MemoryPeakBytes: memory is null ? null : CgroupFile.ReadNumber(Path.Combine(memory, "memory.max_usage_in_bytes")),
            MemoryLimitBytes: memory is null ? null : CgroupFile.ReadNumber(Path.Combine(memory, "memory.limit_in_bytes")),
            OomKills: memory is null ? null : CgroupFile.ReadKeyed(Path.Combine(memory, "memory.oom_control"), "oom_kill"),
            MemoryLimitHits: memory is null ? null : LimitHits(memory),
            TasksCurrent: pids is null ? null : CgroupFile.ReadNumber(Path.Combine(pids, "pids.current")),
            TasksLimitHits: pids is null ? null : CgroupFile.ReadKeyed(Path.Combine(pids, "pids.events"), "max"),
            CpuUsage: usage is long ns ? TimeSpan.FromTicks(ns / 100) : null,
            CpuThrottled: throttled is long t ? TimeSpan.FromTicks(t / 100) : null,
            CpuPeriods: stat is null ? null : CgroupFile.ParseKeyed(stat, "nr_periods"),
            CpuThrottledPeriods: stat is null ? null : CgroupFile.ParseKeyed(stat, "nr_throttled"),
            CpuQuotaPercent: cpu is null ? null : QuotaPercent(Path.Combine(cpu, "cpu.cfs_quota_us"), Path.Combine(cpu, "cpu.cfs_period_us")));
    }

    /// <summary>
    /// Hits at the memory limit: <c>memory.failcnt</c> plus <c>memory.memsw.failcnt</c> where swap is accounted. With
    /// memsw at the same limit the kernel charges memory+swap first, so a charge past the limit fails (and is counted)
    /// there and <c>memory.failcnt</c> stays 0: reading it alone, a hog held at its limit showed no hit at all.
    /// </summary>
    private static long? LimitHits(string memory)
    {
        long? hits = CgroupFile.ReadNumber(Path.Combine(memory, "memory.failcnt"));
        long? swapHits = CgroupFile.ReadNumber(Path.Combine(memory, "memory.memsw.failcnt"));
        return hits is null && swapHits is null ? null : (hits ?? 0) + (swapHits ?? 0);
    }

    /// <summary>The CFS quota as a percentage of one core; -1 (no quota) or an unreadable file is null.</summary>
    private static double? QuotaPercent(string quotaFile, string periodFile) =>
        CgroupFile.ReadNumber(quotaFile) is long quota && quota > 0 && CgroupFile.ReadNumber(periodFile) is long period && period > 0
            ? quota * 100.0 / period
            : null;

    public void SetCpuPercent(int? percent)
    {
        if (Dir("cpu") is not { } cpu)
        {
            return;
        }

        if (percent is int p)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
            CgroupFile.Write(Path.Combine(cpu, "cpu.cfs_period_us"), Period.ToString(CultureInfo.InvariantCulture));
            CgroupFile.Write(Path.Combine(cpu, "cpu.cfs_quota_us"), ((long)p * Period / 100).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            CgroupFile.Write(Path.Combine(cpu, "cpu.cfs_quota_us"), "-1");
        }
    }

    public void KillAll() => KillAll(TimeSpan.FromSeconds(5));

    /// <summary>
    /// No new task (pids.max 0), freeze, SIGKILL every task, thaw (a frozen v1 task takes SIGKILL only when thawed), wait
    /// until empty. pids.max 0 comes first because the freezer is optional: without it a chain that forks and exits
    /// stays one step ahead of a read-then-kill loop; with no fork possible, every task left is one already listed.
    /// </summary>
    internal bool KillAll(TimeSpan patience)
    {
        if (Dir("pids") is { } counting)
        {
            TryWrite(Path.Combine(counting, "pids.max"), "0");
        }

        string? freezer = Dir("freezer");
        if (freezer is not null && IsPopulated())
        {
            Freeze(freezer);
        }

        long deadline = Environment.TickCount64 + (long)patience.TotalMilliseconds;
        bool thawed = freezer is null;
        while (true)
        {
            HashSet<int> pids = Members();
            _ = CgroupSignal.KillMembers(pids, Members);

            if (!thawed)
            {
                TryWrite(Path.Combine(freezer!, "freezer.state"), "THAWED");
                thawed = true;
            }

            // Killed tasks still count (pids.current) until their parent, or init for orphans, reaps them.
            if (pids.Count == 0 && (Dir("pids") is not { } counted || (CgroupFile.ReadNumber(Path.Combine(counted, "pids.current")) ?? 0) == 0))
            {
                return true;
            }

            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(2);
        }
    }

    /// <summary>Every task and process listed in any of the worker's directories.</summary>
    private HashSet<int> Members()
    {
        var pids = new HashSet<int>();
        foreach (string directory in directories)
        {
            pids.UnionWith(CgroupFile.ReadPids(Path.Combine(directory, "tasks")));
            pids.UnionWith(CgroupFile.ReadPids(Path.Combine(directory, "cgroup.procs")));
        }

        return pids;
    }

    private bool IsPopulated() => directories.Any(d => CgroupFile.ReadPids(Path.Combine(d, "cgroup.procs")).Count > 0);

    // Freezing is asynchronous in v1: FREEZING until every task stopped. Bounded: a task stuck in the kernel is killed anyway.
    private static void Freeze(string freezer)
    {
        string state = Path.Combine(freezer, "freezer.state");
        if (!TryWrite(state, "FROZEN"))
        {
            return;
        }

        long deadline = Environment.TickCount64 + 1000;
        while (Environment.TickCount64 < deadline && (CgroupFile.ReadText(state)?.Trim() ?? "FROZEN") != "FROZEN")
        {
            Thread.Sleep(1);
        }
    }

    private static bool TryWrite(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
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

        if (IsPopulated())
        {
            KillAll(TimeSpan.FromSeconds(5));
        }

        bool all = true;
        foreach (string directory in directories)
        {
            all &= CgroupFile.TryRemoveDirectory(directory, TimeSpan.FromSeconds(2));
        }

        Removed = all;
    }
}
