namespace Stockade.Core.Manifest;

/// <summary>Resource limits of one worker (DESIGN §7). The record's defaults are the design defaults.</summary>
public sealed record ResourceLimits
{
    /// <summary>The defaults of DESIGN §7.</summary>
    public static ResourceLimits Default { get; } = new();

    /// <summary>Memory cap in MiB (RLIMIT_DATA and GCHeapHardLimit); default 512, floor 128.</summary>
    public int MemoryMb { get; init; } = 512;

    /// <summary>Sustained CPU as a percentage of one core; default 80.</summary>
    public int CpuPercent { get; init; } = 80;

    /// <summary>Total CPU seconds for the worker's life (RLIMIT_CPU), or null for unlimited (the default).</summary>
    public int? CpuTimeSeconds { get; init; }

    /// <summary>Open file descriptors (RLIMIT_NOFILE); default 256, floor 64.</summary>
    public int OpenFiles { get; init; } = 256;

    /// <summary>Threads; default 64.</summary>
    public int Threads { get; init; } = 64;

    /// <summary>Disk use in <c>$PLUGIN_DATA</c> in MiB; default 512.</summary>
    public int DiskMb { get; init; } = 512;

    /// <summary>Largest single file in MiB (RLIMIT_FSIZE, which also caps the runtime's executable memory); default 100, floor 16.</summary>
    public int MaxFileMb { get; init; } = 100;

    /// <summary>Processes including the worker itself; default 1 (no children unless subprocess is granted).</summary>
    public int Processes { get; init; } = 1;
}
