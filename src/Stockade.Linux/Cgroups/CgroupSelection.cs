namespace Stockade.Linux.Cgroups;

/// <summary>The backend a host chose at start, and why the others were not used.</summary>
/// <param name="Backend">The backend in use (<see cref="CgroupBackendKind.None"/> when nothing was usable or allowed).</param>
/// <param name="Refused">One sentence per candidate not used, naming the path and what it lacks.</param>
/// <param name="Downgraded">True when the operator asked for a cgroup that could not be used and allowed the downgrade to none.</param>
/// <param name="Error">When the cgroup asked for cannot be used and no downgrade is allowed: what is wrong and what to do; the host must not start.</param>
public sealed record CgroupSelection(ICgroupBackend Backend, IReadOnlyList<string> Refused, bool Downgraded, string? Error);
