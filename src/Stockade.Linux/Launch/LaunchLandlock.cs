namespace Stockade.Linux.Launch;

/// <summary>
/// The Landlock part of a launch. The launcher always handles every right the kernel's ABI knows, so
/// whatever no rule allows is denied.
/// </summary>
internal sealed class LaunchLandlock
{
    /// <summary>When true, the launcher refuses (exit 71) unless Landlock is fully enforced.</summary>
    public bool Required { get; set; } = true;

    /// <summary>
    /// Lowest Landlock ABI the caller accepts (e.g. 6 when it relies on scopes); with <see cref="Required"/>
    /// a lower kernel ABI is refused with exit 71. <see langword="null"/>: any ABI ≥ 1.
    /// </summary>
    public int? MinimumAbi { get; set; }

    /// <summary>Filesystem rules.</summary>
    public IReadOnlyList<LaunchPathRule> PathRules { get; set; } = [];

    /// <summary>TCP ports the process may connect to (ABI 4+); every other port is denied.</summary>
    public IReadOnlyList<int> ConnectTcpPorts { get; set; } = [];

    /// <summary>TCP ports the process may bind (ABI 4+); every other port is denied.</summary>
    public IReadOnlyList<int> BindTcpPorts { get; set; } = [];

    /// <summary>Forbid signals to processes outside the sandbox (ABI 6+).</summary>
    public bool ScopeSignals { get; set; } = true;

    /// <summary>Forbid connecting to abstract Unix sockets outside the sandbox (ABI 6+).</summary>
    public bool ScopeAbstractSockets { get; set; } = true;

    /// <summary>
    /// Paths opened O_PATH and kept open across exec so rules on procfs entries keep matching after dentry
    /// eviction (e.g. <c>/proc/self</c>, resolved to <c>/proc/&lt;pid&gt;</c>, and <c>/proc/meminfo</c>).
    /// Each pinned path also needs a rule in <see cref="PathRules"/>.
    /// </summary>
    public IReadOnlyList<string> PinPaths { get; set; } = [];
}
