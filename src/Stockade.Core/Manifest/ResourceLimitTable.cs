namespace Stockade.Core.Manifest;

/// <summary>
/// The one table of worker resource limits (DESIGN §7): one row per property of <see cref="ResourceLimits"/>, with
/// its manifest key, default, floor, and every layer that enforces it. The launcher's rlimits, the watchdog (and a
/// cgroup layer when there is one) read their values through this table, and a test checks on a real worker that
/// each row is applied where the table says.
/// </summary>
public static class ResourceLimitTable
{
    private const long MiB = 1024L * 1024;

    /// <summary>Memory cap: RLIMIT_DATA (and the GC heap limit) in the worker, the watchdog's hard limit on resident memory.</summary>
    public static ResourceLimitDefinition Memory { get; } = new()
    {
        Key = "memoryMb", Floor = 128, Maximum = 65_536, FloorHint = "the .NET runtime aborts at start below 128 MB of RLIMIT_DATA (64 MB was measured to crash, 128 MB to run); use 128 or more", Write = (l, v) => l with { MemoryMb = v }, Unit = "MiB", Default = ResourceLimits.Default.MemoryMb, Read = l => l.MemoryMb,
        Rlimit = "RLIMIT_DATA", ProcLimitsName = "Max data size", KernelScale = MiB, Watchdog = "Memory", WatchdogScale = MiB,
        KernelValueUnderMemoryCgroup = DataUnderMemoryCgroup,
        Description = "memory: RLIMIT_DATA and DOTNET_GCHeapHardLimit in the worker (RLIMIT_DATA with headroom when a memory cgroup holds it, so the cgroup binds); the watchdog kills at the limit (shared memory included)",
    };

    /// <summary>Sustained CPU in percent of one core: the watchdog's soft limit (warn, throttle, kill).</summary>
    public static ResourceLimitDefinition CpuPercent { get; } = new()
    {
        Key = "cpuPercent", Floor = 1, Maximum = 6_400, FloorHint = null, Write = (l, v) => l with { CpuPercent = v }, Unit = "%", Default = ResourceLimits.Default.CpuPercent, Read = l => l.CpuPercent,
        Watchdog = "CpuPercent", WatchdogScale = 1,
        Description = "CPU: sampled by the watchdog every second; warn, throttle, kill",
    };

    /// <summary>Total CPU seconds: RLIMIT_CPU (SIGXCPU) and the watchdog's hard limit; unlimited by default.</summary>
    public static ResourceLimitDefinition CpuTime { get; } = new()
    {
        Key = "cpuTimeSeconds", Floor = 1, Maximum = 604_800, FloorHint = null, Write = (l, v) => l with { CpuTimeSeconds = v }, Unit = "s", Default = null, Read = l => l.CpuTimeSeconds,
        Rlimit = "RLIMIT_CPU", ProcLimitsName = "Max cpu time", KernelScale = 1, Watchdog = "CpuTime", WatchdogScale = 1,
        Description = "CPU time: RLIMIT_CPU (SIGXCPU) and the watchdog",
    };

    /// <summary>Open descriptors: RLIMIT_NOFILE and the watchdog's soft limit.</summary>
    public static ResourceLimitDefinition OpenFiles { get; } = new()
    {
        Key = "openFiles", Floor = 64, DotnetFloor = 128, Maximum = 65_536, FloorHint = "the runtime needs descriptors for its own libraries, the IPC channel and sockets before the plugin opens anything (16 was measured to crash a process plugin at start; a .NET worker at 64 ran out of descriptors loading its own assemblies, EMFILE shown as a missing System.Numerics.Vectors, exit 134, while 96 started); use 64 or more, 128 or more for runtime dotnet", Write = (l, v) => l with { OpenFiles = v }, Unit = "descriptors", Default = ResourceLimits.Default.OpenFiles, Read = l => l.OpenFiles,
        Rlimit = "RLIMIT_NOFILE", ProcLimitsName = "Max open files", KernelScale = 1, Watchdog = "OpenFiles", WatchdogScale = 1,
        Description = "open files: RLIMIT_NOFILE; sampled by the watchdog",
    };

    /// <summary>Threads: the watchdog's soft limit.</summary>
    public static ResourceLimitDefinition Threads { get; } = new()
    {
        Key = "threads", Floor = 16, Maximum = 4_096, FloorHint = "the runtime alone runs about 10 threads (finalizer, tiered compilation, signal handler, thread pool, timer); use 16 or more", Write = (l, v) => l with { Threads = v }, Unit = "threads", Default = ResourceLimits.Default.Threads, Read = l => l.Threads,
        Watchdog = "Threads", WatchdogScale = 1,
        Description = "threads: sampled by the watchdog; warn, throttle, kill",
    };

    /// <summary>Disk used under <c>$PLUGIN_DATA</c>: the watchdog's hard limit.</summary>
    public static ResourceLimitDefinition Disk { get; } = new()
    {
        Key = "diskMb", Floor = 1, Maximum = 1_048_576, FloorHint = null, Write = (l, v) => l with { DiskMb = v }, Unit = "MiB", Default = ResourceLimits.Default.DiskMb, Read = l => l.DiskMb,
        Watchdog = "Disk", WatchdogScale = MiB, StricterOnRestart = false,
        Description = "disk in $PLUGIN_DATA: sampled by the watchdog; killed over the quota",
    };

    /// <summary>Largest single file: RLIMIT_FSIZE (writes past it fail with EFBIG).</summary>
    public static ResourceLimitDefinition MaxFile { get; } = new()
    {
        Key = "maxFileMb", Floor = 16, Maximum = 1_048_576, FloorHint = "RLIMIT_FSIZE also caps the runtime's executable-memory mapping (W^X double mapping is a memfd sized by that limit), so a small value leaves no room for JIT code and the runtime fails to start; use 16 or more", Write = (l, v) => l with { MaxFileMb = v }, Unit = "MiB", Default = ResourceLimits.Default.MaxFileMb, Read = l => l.MaxFileMb,
        Rlimit = "RLIMIT_FSIZE", ProcLimitsName = "Max file size", KernelScale = MiB,
        Description = "single file: RLIMIT_FSIZE (SIGXFSZ ignored: writes fail with EFBIG)",
    };

    /// <summary>
    /// Processes including the worker. Not an rlimit (RLIMIT_NPROC counts every process of the uid, so it is not a
    /// per-worker bound): no exec is possible unless <c>subprocess</c> is granted (seccomp and Landlock refuse it),
    /// and the watchdog counts descendants.
    /// </summary>
    public static ResourceLimitDefinition Processes { get; } = new()
    {
        Key = "processes", Floor = 1, Maximum = 256, FloorHint = "the worker itself is one process", Write = (l, v) => l with { Processes = v }, Unit = "processes", Default = ResourceLimits.Default.Processes, Read = l => l.Processes,
        ExecRefusedUnlessGranted = true,
        Description = "processes: no exec unless subprocess is granted (seccomp and Landlock); children counted by the watchdog",
    };

    /// <summary>Every row, in manifest order.</summary>
    public static IReadOnlyList<ResourceLimitDefinition> All { get; } = [Memory, CpuPercent, CpuTime, OpenFiles, Threads, Disk, MaxFile, Processes];

    /// <summary>
    /// The rows enforced by an rlimit, with the kernel value (soft = hard) for <paramref name="limits"/>; null for
    /// unlimited. With <paramref name="memoryCgroup"/> (a memory cgroup holds the worker at <see cref="Memory"/>'s
    /// limit), a row's <see cref="ResourceLimitDefinition.KernelValueUnderMemoryCgroup"/> applies.
    /// </summary>
    public static IEnumerable<(ResourceLimitDefinition Limit, long? KernelValue)> Rlimits(ResourceLimits limits, bool memoryCgroup = false)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return All.Where(d => d.Rlimit is not null).Select(d => (d, d.Read(limits) is int v ? KernelValue(d, v * d.KernelScale, memoryCgroup) : (long?)null));
    }

    /// <summary>
    /// RLIMIT_DATA when a memory cgroup holds the worker: the limit plus as much again (at least 256 MiB), so a runtime's
    /// reservations (a .NET worker's data segment is about 150 MB at rest, PROT_NONE reservations aside) fit beside
    /// memory used up to the cgroup's limit; the cgroup binds first and its counters name the kill. Still a bound of its
    /// own should the cgroup be changed under the worker.
    /// </summary>
    private static long DataUnderMemoryCgroup(long memoryBytes) => memoryBytes + Math.Max(memoryBytes, 256 * MiB);

    private static long KernelValue(ResourceLimitDefinition limit, long value, bool memoryCgroup) =>
        memoryCgroup && limit.KernelValueUnderMemoryCgroup is { } under ? under(value) : value;

    /// <summary>The rows the watchdog samples, with the value it watches for <paramref name="limits"/> (bytes, percent, seconds or a count); null for unwatched.</summary>
    public static IEnumerable<(ResourceLimitDefinition Limit, long? Value)> Watched(ResourceLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return All.Where(d => d.Watchdog is not null).Select(d => (d, d.Read(limits) is int v ? v * d.WatchdogScale : (long?)null));
    }
}
