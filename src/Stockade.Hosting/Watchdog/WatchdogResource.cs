namespace Stockade.Hosting.Monitoring;

/// <summary>What a watchdog event is about.</summary>
public enum WatchdogResource
{
    /// <summary>Resident memory, in bytes (hard limit).</summary>
    Memory,

    /// <summary>CPU use in percent of one core (soft limit).</summary>
    CpuPercent,

    /// <summary>Total CPU time, in seconds (hard limit).</summary>
    CpuTime,

    /// <summary>Number of threads, or of tasks in the worker's cgroup (soft limit; at once when the kernel's pids limit refused a task).</summary>
    Threads,

    /// <summary>Number of open file descriptors (soft limit).</summary>
    OpenFiles,

    /// <summary>Bytes used under the data folder (hard limit).</summary>
    Disk,

    /// <summary>A violation reported from outside, e.g. by the broker for repeated rate-limit abuse (soft).</summary>
    Reported,

    /// <summary>Number of processes: the watched one, its descendants and every process in its cgroup (soft limit; at once when the kernel's pids limit refused a task).</summary>
    Processes,
}
