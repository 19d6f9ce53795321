using System.Globalization;
using Stockade.Core.Manifest;
using Stockade.Linux.Cgroups;
using Stockade.Linux.Launch;

namespace Stockade.Hosting.Workers;

/// <summary>
/// A worker ended for a resource: which one (<see cref="Resource"/>, a key of <c>resources</c>: <c>memoryMb</c>,
/// <c>cpuTimeSeconds</c>, <c>maxFileMb</c>, <c>processes</c>, or the watchdog's), the limit, the figure observed, who
/// ended it and the evidence. The verdict behind <see cref="PluginKilledException"/>, <c>plugin.killed</c> and the
/// <c>Killed</c> event.
/// </summary>
/// <param name="Resource">The resource's name as people read it: <c>memory</c>, <c>cpu time</c>, <c>file size</c>, <c>processes</c>…</param>
/// <param name="Key">The limit's key as records carry it (<c>memory</c>, <c>cpu_time</c>, <c>file_size</c>, <c>processes</c>…).</param>
/// <param name="Limit">The limit, with its unit.</param>
/// <param name="Observed">What was measured, with its unit.</param>
/// <param name="By"><c>kernel</c> or <c>watchdog</c>.</param>
/// <param name="Evidence">What the verdict rests on (a counter, a signal and a measured figure).</param>
internal sealed record ResourceKill(string Resource, string Key, string Limit, string Observed, string By, string Evidence)
{
    /// <summary>One sentence: "killed by the kernel for its memory limit (128 MB): 127.4 MB used (…)".</summary>
    public string Describe() => Limit.Length == 0
        ? $"killed by the {By} for its {Resource} limit: {Evidence}"
        : $"killed by the {By} for its {Resource} limit ({Limit}): {Observed} ({Evidence})";

    /// <summary>A kill whose figures are in its message only (the broker's: audit budget, lost records).</summary>
    public static ResourceKill Reported(string resource, string by, string message) => new(resource, resource, "", "", by, message);

    /// <summary>The figures as record details.</summary>
    public void AddTo(IDictionary<string, string> details)
    {
        details["resource"] = Key;
        if (Limit.Length > 0)
        {
            details["limit"] = Limit;
            details["observed"] = Observed;
        }

        details["by"] = By;
        details["evidence"] = Evidence;
    }

    /// <summary>The watchdog's kill, with its figures (memory and disk in bytes, CPU time in seconds, others in units).</summary>
    public static ResourceKill FromWatchdog(Monitoring.WatchdogEvent e)
    {
        string Figure(double? value) => value is not double v ? "unknown" : e.Resource switch
        {
            Monitoring.WatchdogResource.Memory or Monitoring.WatchdogResource.Disk => Megabytes((long)v),
            Monitoring.WatchdogResource.CpuTime => Seconds(TimeSpan.FromSeconds(v)),
            Monitoring.WatchdogResource.CpuPercent => v.ToString("0.#", CultureInfo.InvariantCulture) + " % of a core",
            _ => v.ToString("0.##", CultureInfo.InvariantCulture),
        };

        var (resource, key) = e.Resource switch
        {
            Monitoring.WatchdogResource.Memory => ("memory", "memory"),
            Monitoring.WatchdogResource.CpuTime => ("cpu time", "cpu_time"),
            Monitoring.WatchdogResource.CpuPercent => ("cpu", "cpu_percent"),
            Monitoring.WatchdogResource.Disk => ("disk", "disk"),
            Monitoring.WatchdogResource.OpenFiles => ("open files", "open_files"),
            Monitoring.WatchdogResource.Threads => ("threads", "threads"),
            _ => (e.Resource.ToString().ToLowerInvariant(), e.Resource.ToString().ToLowerInvariant()),
        };
        return new ResourceKill(resource, key, Figure(e.Limit), Figure(e.Observed), "watchdog", e.Message);
    }

    internal static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture) + " MB";

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s";
}

/// <summary>
/// Decides whether a worker that ended by itself (not by the host) was ended for a resource, from what the kernel says
/// only: the exit signal, the cgroup's counters, and the figures <see cref="WorkerWitness"/> read from <c>/proc</c>. A
/// runtime's own out-of-memory message makes the judge <em>look</em>; it is a memory kill only when the kernel's figures
/// agree (the cgroup hit its limit, charged memory reached <see cref="UsedShare"/> of the limit, or the data segment came within <see cref="DataMargin"/> of <c>RLIMIT_DATA</c>). A
/// plugin's words alone never decide.
/// </summary>
internal static class KillJudge
{
    /// <summary>
    /// The share of the memory limit charged memory (a cgroup's peak, or VmHWM) must have reached for a runtime's
    /// out-of-memory exit to be the limit's: 60 %, below the two thirds a .NET worker's GC heap is given (a native hog
    /// refused by RLIMIT_DATA was measured at 121 MB charged of 192), far above any runtime at rest (under 10 MB charged).
    /// </summary>
    public const double UsedShare = 0.6;

    /// <summary>
    /// The share of the memory limit a cgroup's peak must have reached for a runtime's abort or fault to be the limit's:
    /// 90 % (v1 holds a hog at exactly its limit; v2's memory.high, at 90 %, slows it there first).
    /// </summary>
    public const double AtLimitShare = 0.9;

    /// <summary>
    /// How close to RLIMIT_DATA the data segment must have come (the larger of 16 MB and a sixteenth of the limit): a
    /// refused allocation leaves the segment within one allocation of the limit, while a runtime's reservations alone
    /// (a .NET worker's ~147 MB of 192 at rest) stay further off.
    /// </summary>
    public static long DataMargin(long limitBytes) => Math.Max(16L * 1048576, limitBytes / 16);

    /// <summary>
    /// CPU time short of the limit still taken as the limit's SIGKILL (the larger of 0.5 s and a quarter of the limit): the
    /// witness reads every 10 ms near the limit, but a busy machine delays its reads; a plugin that kills itself this close
    /// to its limit is called a CPU-time kill (it harms only itself).
    /// </summary>
    public static TimeSpan CpuSlack(TimeSpan limit) => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks, limit.Ticks / 4));

    private static readonly string[] OutOfMemoryWords =
    [
        "MemoryError", "OutOfMemoryException", "Out of memory", "out of memory", "Cannot allocate memory", "std::bad_alloc", "heap out of memory",

        // EFBIG: a memory-backed file (memfd, /dev/shm) grown past RLIMIT_FSIZE is memory refused; a file on disk at the
        // limit was named above (file size), so only charged memory near the limit makes this one memory.
        "File too large", "errno 27",
    ];

    /// <summary>The verdict, or null when nothing shows a resource ended it.</summary>
    /// <param name="exit">How it ended.</param>
    /// <param name="limits">The limits it ran under.</param>
    /// <param name="witness">The figures read from /proc while it ran (null: none).</param>
    /// <param name="cgroup">Its cgroup's counters (null: no cgroup).</param>
    /// <param name="stderr">Its last stderr lines (only to know when to look).</param>
    /// <param name="largestFile">The size of the largest file it could write (its data and temp folders), or null.</param>
    public static ResourceKill? Judge(WorkerExit exit, ResourceLimits limits, WorkerWitness? witness, CgroupCounters? cgroup, IReadOnlyList<string> stderr, Func<long?>? largestFile = null)
    {
        if (exit.Kill is not null || exit.ProtocolViolation is not null || exit.ExitCode == Linux.Launch.SandboxExitCodes.Success)
        {
            return null; // the host ended it (the watchdog's kills carry their own verdict), or it ended cleanly
        }

        var signal = WorkerEnd.SignalName(exit.ExitCode);
        long? memoryLimit = cgroup?.MemoryLimitBytes is > 0 and < long.MaxValue / 2 ? cgroup.MemoryLimitBytes : (long)limits.MemoryMb * 1048576;

        // The memory cgroup's OOM killer: SIGKILL, and the cgroup counted it.
        if (signal == "SIGKILL" && cgroup?.OomKills is > 0 && memoryLimit is long oomLimit)
        {
            var peak = cgroup.MemoryPeakBytes ?? cgroup.MemoryCurrentBytes ?? 0;
            return new ResourceKill("memory", "memory", ResourceKill.Megabytes(oomLimit), $"{ResourceKill.Megabytes(peak)} at its peak", "kernel",
                $"the memory cgroup's OOM killer ended it (oom_kill {cgroup.OomKills.Value.ToString(CultureInfo.InvariantCulture)})");
        }

        // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one; the CPU time must have reached it.
        if (signal is "SIGKILL" or "SIGXCPU" && limits.CpuTimeSeconds is int seconds)
        {
            var limit = TimeSpan.FromSeconds(seconds);
            var used = witness?.CpuTime ?? TimeSpan.Zero;
            if (cgroup?.CpuUsage is { } charged && charged > used)
            {
                used = charged;
            }

            if (used >= limit - CpuSlack(limit))
            {
                return new ResourceKill("cpu time", "cpu_time", ResourceKill.Seconds(limit), $"{ResourceKill.Seconds(used)} of CPU used", "kernel",
                    $"{signal} from RLIMIT_CPU; CPU time read from {(cgroup?.CpuUsage is not null ? "its cgroup" : "/proc")}");
            }
        }

        // RLIMIT_FSIZE: SIGXFSZ (when the runtime does not ignore it), or a write refused with EFBIG that the runtime
        // turned into an error exit; either way a file it could write reached the limit.
        if (signal is "SIGXFSZ" or null)
        {
            var fileLimit = (long)limits.MaxFileMb * 1048576;
            if (largestFile?.Invoke() is long largest && largest >= fileLimit)
            {
                return new ResourceKill("file size", "file_size", ResourceKill.Megabytes(fileLimit), $"{ResourceKill.Megabytes(largest)} (its largest file)", "kernel",
                    signal == "SIGXFSZ" ? "SIGXFSZ from RLIMIT_FSIZE" : "a write past RLIMIT_FSIZE was refused (EFBIG) and it exited");
            }
        }

        // A runtime that aborted (.NET raises SIGABRT when it cannot get memory it needs, often before it can say so) or
        // faulted at its memory cgroup's limit, whatever it printed or did not: the cgroup's peak reached the limit, and
        // at least half the limit was let go with the process (its anonymous and shared memory; page cache stays charged
        // after exit, so a worker that only filled the cache and then crashed is not named). Kernel figures only: a
        // liar that aborts without taking memory has a low peak; one that took its whole limit did reach it.
        if (signal is "SIGABRT" or "SIGBUS" or "SIGSEGV" && memoryLimit is long held && cgroup?.MemoryPeakBytes is long atPeak
            && atPeak >= held * AtLimitShare && atPeak - (cgroup.MemoryCurrentBytes ?? atPeak) >= held / 2)
        {
            return new ResourceKill("memory", "memory", ResourceKill.Megabytes(held), $"{ResourceKill.Megabytes(atPeak)} at its peak", "kernel",
                $"{signal} with its memory cgroup at the limit ({ResourceKill.Megabytes(atPeak)} charged at the peak, {ResourceKill.Megabytes(cgroup.MemoryCurrentBytes ?? 0)} left after it died)");
        }

        // A runtime that turned a refused allocation into an error exit: its message makes us look, the kernel decides.
        var saysOutOfMemory = stderr.Any(line => OutOfMemoryWords.Any(word => line.Contains(word, StringComparison.Ordinal)));
        if (saysOutOfMemory && memoryLimit is { } dataLimit)
        {
            if (cgroup?.MemoryLimitHits is > 0)
            {
                return new ResourceKill("memory", "memory", ResourceKill.Megabytes(dataLimit), $"{ResourceKill.Megabytes(cgroup.MemoryPeakBytes ?? 0)} at its peak", "kernel",
                    $"allocations hit the memory cgroup's limit {cgroup.MemoryLimitHits.Value.ToString(CultureInfo.InvariantCulture)} times, then its runtime ran out of memory");
            }

            // Charged memory (a cgroup's peak, or the resident high-water VmHWM) counts pages actually used, never a
            // runtime's reservations: a worker that only says it ran out stays far below this.
            if (cgroup?.MemoryPeakBytes is long charged && charged >= dataLimit * UsedShare)
            {
                return new ResourceKill("memory", "memory", ResourceKill.Megabytes(dataLimit), $"{ResourceKill.Megabytes(charged)} at its peak", "kernel",
                    "its runtime ran out of memory with its memory cgroup's peak near the limit");
            }

            // A memory-backed file (memfd, /dev/shm) stopped at RLIMIT_FSIZE: EFBIG turned into an error exit, with the
            // memory charged (cgroup peak, or the resident high-water mark, which counts shared pages) at the file cap.
            // A file on disk that big was named above (file size); a liar that only prints errno 27 has no such figure.
            var fileCap = (long)limits.MaxFileMb * 1048576;
            var saysFileTooLarge = stderr.Any(line => line.Contains("File too large", StringComparison.Ordinal) || line.Contains("errno 27", StringComparison.Ordinal));
            var chargedAtCap = Math.Max(cgroup?.MemoryPeakBytes ?? 0, witness?.PeakResidentBytes ?? 0);
            if (saysFileTooLarge && fileCap < dataLimit && chargedAtCap >= fileCap * AtLimitShare)
            {
                return new ResourceKill("memory", "memory", ResourceKill.Megabytes(dataLimit), $"{ResourceKill.Megabytes(chargedAtCap)} at its peak", "kernel",
                    $"a memory-backed file reached RLIMIT_FSIZE ({ResourceKill.Megabytes(fileCap)}; EFBIG) with that much memory charged, and its runtime gave up");
            }

            var data = (long)limits.MemoryMb * 1048576;
            var resident = witness?.PeakResidentBytes ?? 0;
            if (resident >= data * UsedShare)
            {
                return new ResourceKill("memory", "memory", ResourceKill.Megabytes(data), $"{ResourceKill.Megabytes(resident)} resident at its peak", "kernel",
                    "its runtime ran out of memory with its resident memory, read from /proc, near the limit");
            }

            // The data segment counts a runtime's reservations too (a .NET worker's GC heap puts it near 150 MB of 192 at
            // rest): only a segment within DataMargin of RLIMIT_DATA shows the limit refused an allocation.
            var peakData = witness?.PeakDataBytes ?? 0;
            if (peakData >= data - DataMargin(data))
            {
                return new ResourceKill("memory", "memory", ResourceKill.Megabytes(data), $"{ResourceKill.Megabytes(peakData)} of data at its peak", "kernel",
                    "RLIMIT_DATA refused an allocation and its runtime ran out of memory; its data segment, read from /proc, was at the limit");
            }
        }

        // pids.max refused a fork or a thread and the worker died of it.
        if (cgroup?.TasksLimitHits is > 0)
        {
            return new ResourceKill("processes", "processes", limits.Processes.ToString(CultureInfo.InvariantCulture) + " tasks",
                $"{cgroup.TasksLimitHits.Value.ToString(CultureInfo.InvariantCulture)} forks refused", "kernel", "the pids cgroup refused new tasks (pids.events max) and it exited");
        }

        return null;
    }
}
