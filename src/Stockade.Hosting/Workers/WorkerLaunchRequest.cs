namespace Stockade.Hosting.Workers;

/// <summary>Everything the planner needs to start one worker; built by <see cref="PluginHost"/> from the policy.</summary>
internal sealed record WorkerLaunchRequest
{
    public required string PluginId { get; init; }

    /// <summary>True for <c>runtime: dotnet</c> (stage 2 is the .NET worker); false for an executable plugin.</summary>
    public required bool IsDotnet { get; init; }

    /// <summary>True for <c>runtime: native</c>: the entry is a NativeAOT executable, run under the NativeAOT profile.</summary>
    public bool IsNativeAot { get; init; }

    public required string PluginDirectory { get; init; }

    /// <summary>Entry relative to the plugin directory (the .dll, or the executable/script).</summary>
    public required string Entry { get; init; }

    public string? EntryType { get; init; }

    /// <summary>Absolute interpreter for script plugins (e.g. /usr/bin/python3).</summary>
    public string? Interpreter { get; init; }

    public required string DataDirectory { get; init; }

    public required string TempDirectory { get; init; }

    /// <summary>File and subprocess grants turned into paths and rights.</summary>
    public IReadOnlyList<PlannedPathRule> GrantedPaths { get; init; } = [];

    public bool AllowExec { get; init; }

    public bool Landlock { get; init; }

    public bool Seccomp { get; init; }

    public bool Namespaces { get; init; }

    /// <summary>The worker's resource limits; the planner applies their rlimit rows through <see cref="Core.Manifest.ResourceLimitTable"/>.</summary>
    public Core.Manifest.ResourceLimits Resources { get; init; } = Core.Manifest.ResourceLimits.Default;

    /// <summary>Granted environment variables (name → value); nothing else reaches the worker.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public int? UserId { get; init; }

    public int? GroupId { get; init; }

    /// <summary>The limits of the worker's cgroup (issue 16), or null for no cgroup.</summary>
    public Linux.Cgroups.CgroupLimits? CgroupLimits { get; init; }

    /// <summary>The inherited kernel report socket (Kernel/WorkerKernelChannel), or null for none.</summary>
    public int? KernelReportFd { get; init; }
}

/// <summary>One granted path with the rights the grant carries.</summary>
internal sealed record PlannedPathRule(string Path, bool Read, bool Write, bool Delete, bool Execute);
