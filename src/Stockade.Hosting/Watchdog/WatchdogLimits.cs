namespace Stockade.Hosting.Monitoring;

/// <summary>
/// The limits the watchdog enforces on one process. Every limit is optional: <see langword="null"/> means not watched.
/// </summary>
/// <remarks>
/// <para><b>Hard</b> limits end the process at the first sample that exceeds them:
/// <see cref="MemoryBytes"/>, <see cref="DiskBytes"/> and <see cref="CpuTime"/>.</para>
/// <para><b>Soft</b> limits count one violation per sample that exceeds them, and the process is
/// throttled and then killed as violations accumulate: <see cref="CpuPercent"/>, <see cref="Threads"/>,
/// <see cref="Processes"/> and <see cref="OpenFiles"/>. See <see cref="IsHard"/>. Threads and processes end the process
/// at once when its cgroup's pids limit has refused a task (the kernel already holds it at its limit).</para>
/// </remarks>
public sealed record WatchdogLimits
{
    /// <summary>No limit at all: the process is sampled but never warned, throttled or killed.</summary>
    public static WatchdogLimits None { get; } = new();

    /// <summary>
    /// The defaults of the design: 512 MB memory, 80 % of one core, 64 threads, 256 open files,
    /// 512 MB of disk in the data folder, unlimited CPU time.
    /// </summary>
    public static WatchdogLimits Default { get; } = new()
    {
        MemoryBytes = 512L * 1024 * 1024,
        CpuPercent = 80,
        Threads = 64,
        OpenFiles = 256,
        DiskBytes = 512L * 1024 * 1024,
    };

    /// <summary>Resident memory in bytes (hard).</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Sustained CPU use in percent of one core (soft).</summary>
    public double? CpuPercent { get; init; }

    /// <summary>Total CPU time (hard).</summary>
    public TimeSpan? CpuTime { get; init; }

    /// <summary>Number of threads (soft).</summary>
    public int? Threads { get; init; }

    /// <summary>Number of processes, the watched one included (soft).</summary>
    public int? Processes { get; init; }

    /// <summary>Number of open file descriptors (soft).</summary>
    public int? OpenFiles { get; init; }

    /// <summary>Bytes used under the data folder (hard).</summary>
    public long? DiskBytes { get; init; }

    /// <summary>
    /// The limits the watchdog enforces on a worker whose manifest limits are <paramref name="limits"/>: every row of
    /// <see cref="Core.Manifest.ResourceLimitTable"/> that names a watchdog resource, in the watchdog's units.
    /// </summary>
    /// <param name="limits">The effective limits of the worker's policy.</param>
    public static WatchdogLimits From(Core.Manifest.ResourceLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var result = None;
        foreach (var (limit, value) in Core.Manifest.ResourceLimitTable.Watched(limits))
        {
            result = Enum.Parse<WatchdogResource>(limit.Watchdog!) switch
            {
                WatchdogResource.Memory => result with { MemoryBytes = value },
                WatchdogResource.CpuPercent => result with { CpuPercent = value },
                WatchdogResource.CpuTime => result with { CpuTime = value is long seconds ? TimeSpan.FromSeconds(seconds) : null },
                WatchdogResource.Threads => result with { Threads = (int?)value },
                WatchdogResource.OpenFiles => result with { OpenFiles = (int?)value },
                WatchdogResource.Disk => result with { DiskBytes = value },
                var other => throw new InvalidOperationException($"The resource-limit table names the watchdog resource {other}, which has no limit."),
            };
        }

        return result;
    }

    /// <summary>Whether exceeding <paramref name="resource"/> kills the process at once (hard) rather than counting a violation (soft).</summary>
    /// <param name="resource">The resource.</param>
    /// <returns><see langword="true"/> for memory, disk and CPU time.</returns>
    public static bool IsHard(WatchdogResource resource) =>
        resource is WatchdogResource.Memory or WatchdogResource.Disk or WatchdogResource.CpuTime;

    /// <summary>
    /// Describes every limit that cannot be enforced (zero or negative), so a caller can report them;
    /// an empty list means the limits are usable.
    /// </summary>
    /// <returns>One sentence per problem, saying what to change.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Check(MemoryBytes is <= 0, "MemoryBytes");
        Check(CpuPercent is <= 0 || (CpuPercent is { } cpu && double.IsNaN(cpu)), "CpuPercent");
        Check(CpuTime is { } time && time <= TimeSpan.Zero, "CpuTime");
        Check(Threads is <= 0, "Threads");
        Check(OpenFiles is <= 0, "OpenFiles");
        Check(Processes is <= 0, "Processes");
        Check(DiskBytes is <= 0, "DiskBytes");
        return problems;

        void Check(bool bad, string name)
        {
            if (bad)
            {
                problems.Add($"{name} must be positive; set it to a positive value, or to null to leave it unwatched.");
            }
        }
    }
}
