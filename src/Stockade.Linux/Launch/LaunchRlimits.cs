namespace Stockade.Linux.Launch;

/// <summary>Resource limits the launcher sets (soft = hard) before exec; <see langword="null"/> leaves a limit as inherited.</summary>
internal sealed class LaunchRlimits
{
    /// <summary>RLIMIT_NOFILE. At least <see cref="Rlimits.ResourceFloors.OpenFiles"/> for a .NET worker.</summary>
    public long? OpenFiles { get; set; }

    /// <summary>RLIMIT_FSIZE in bytes; SIGXFSZ is ignored so writes past it fail with EFBIG.</summary>
    public long? FileSizeBytes { get; set; }

    /// <summary>RLIMIT_DATA in bytes: the memory cap that works without root.</summary>
    public long? DataBytes { get; set; }

    /// <summary>RLIMIT_CPU in seconds of CPU time (the process gets SIGXCPU and dies).</summary>
    public long? CpuSeconds { get; set; }

    /// <summary>RLIMIT_NPROC: counts every thread of the real uid, so set it only with a dedicated uid.</summary>
    public long? Processes { get; set; }

    /// <summary>RLIMIT_CORE in bytes; 0 disables core dumps.</summary>
    public long? CoreBytes { get; set; }

    /// <summary>
    /// Sets the limit named by its kernel name (<c>RLIMIT_DATA</c>, as the resource-limit table writes it) to
    /// <paramref name="value"/> in the kernel's unit (<see langword="null"/>: inherited). A name this class does not
    /// carry throws, so a limit added to the table cannot be planned without being applied.
    /// </summary>
    public void Set(string rlimit, long? value)
    {
        switch (rlimit)
        {
            case "RLIMIT_NOFILE": OpenFiles = value; break;
            case "RLIMIT_FSIZE": FileSizeBytes = value; break;
            case "RLIMIT_DATA": DataBytes = value; break;
            case "RLIMIT_CPU": CpuSeconds = value; break;
            case "RLIMIT_NPROC": Processes = value; break;
            case "RLIMIT_CORE": CoreBytes = value; break;
            default: throw new ArgumentException($"the launcher sets no rlimit named '{rlimit}'; add it to LaunchRlimits and the launcher's ApplyRlimits", nameof(rlimit));
        }
    }
}
