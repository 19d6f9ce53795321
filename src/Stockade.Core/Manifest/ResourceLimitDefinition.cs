namespace Stockade.Core.Manifest;

/// <summary>One row of <see cref="ResourceLimitTable"/>: a resource limit and every layer that enforces it.</summary>
public sealed record ResourceLimitDefinition
{
    /// <summary>The key under <c>resources:</c> in a manifest, e.g. <c>memoryMb</c>.</summary>
    public required string Key { get; init; }

    /// <summary>The unit of the manifest value.</summary>
    public required string Unit { get; init; }

    /// <summary>The default (DESIGN §7); null for unlimited.</summary>
    public required int? Default { get; init; }

    /// <summary>The lowest value a manifest may give (lower crashes the runtime or means nothing).</summary>
    public required int Floor { get; init; }

    /// <summary>The highest value a manifest may give; a host may lower it further, never raise it.</summary>
    public required int Maximum { get; init; }

    /// <summary>Why the floor is what it is, shown when a manifest goes below it; null for the generic advice.</summary>
    public string? FloorHint { get; init; }

    /// <summary>
    /// A higher floor for <c>runtime: dotnet</c> where the .NET runtime needs more than a process plugin does; null when
    /// the floor is the same for both.
    /// </summary>
    public int? DotnetFloor { get; init; }

    /// <summary>The floor for a plugin of <paramref name="runtime"/> (<see cref="DotnetFloor"/> for .NET when higher).</summary>
    public int FloorFor(PluginRuntime runtime) => runtime == PluginRuntime.Dotnet && DotnetFloor is { } dotnet ? Math.Max(dotnet, Floor) : Floor;

    /// <summary>The highest floor of any runtime: what a host default or cap, which apply to every runtime, must reach.</summary>
    public int HighestFloor => Math.Max(Floor, DotnetFloor ?? Floor);

    /// <summary>Returns the given limits with this limit set to a value.</summary>
    public required Func<ResourceLimits, int, ResourceLimits> Write { get; init; }

    /// <summary>Reads this limit from a <see cref="ResourceLimits"/>.</summary>
    public required Func<ResourceLimits, int?> Read { get; init; }

    /// <summary>The rlimit the launcher sets (soft = hard), e.g. <c>RLIMIT_DATA</c>; null when none.</summary>
    public string? Rlimit { get; init; }

    /// <summary>The row of <c>/proc/&lt;pid&gt;/limits</c> that shows <see cref="Rlimit"/>, e.g. <c>Max data size</c>.</summary>
    public string? ProcLimitsName { get; init; }

    /// <summary>Multiplier from the manifest unit to the kernel's (bytes for MiB).</summary>
    public long KernelScale { get; init; } = 1;

    /// <summary>
    /// The <see cref="Rlimit"/> value (kernel unit) when a memory cgroup holds the worker, from the value without one;
    /// null when it is the same. The memory row gives RLIMIT_DATA headroom there: the data segment counts a runtime's
    /// reservations (about 150 MB for a .NET worker at rest), so at the manifest's figure it would refuse native
    /// allocations long before the cgroup, which counts memory used, is reached, and the kill would be judged from a
    /// <c>/proc</c> sample instead of the cgroup's own counters.
    /// </summary>
    public Func<long, long>? KernelValueUnderMemoryCgroup { get; init; }

    /// <summary>The watchdog resource that samples it (a <c>WatchdogResource</c> name), or null when the watchdog does not.</summary>
    public string? Watchdog { get; init; }

    /// <summary>Multiplier from the manifest unit to the watchdog's (bytes for MiB).</summary>
    public long WatchdogScale { get; init; } = 1;

    /// <summary>True when the bound is that exec is refused (seccomp, Landlock) unless <c>subprocess</c> is granted.</summary>
    public bool ExecRefusedUnlessGranted { get; init; }

    /// <summary>
    /// True when a restart policy with <c>limits: stricter</c> lowers this limit after a resource kill (by the policy's
    /// factor, never below <see cref="Floor"/>). False for disk in <c>$PLUGIN_DATA</c>: the data persists across
    /// restarts, so a smaller quota would kill a restarted worker at once for what it legitimately holds.
    /// </summary>
    public bool StricterOnRestart { get; init; } = true;

    /// <summary>How it is enforced, in a sentence for reports.</summary>
    public required string Description { get; init; }
}
