namespace Stockade.Hosting;

/// <summary>One guarantee of a loaded plugin and who enforces it.</summary>
/// <param name="Subject">What is guaranteed, e.g. "files outside the grants" or "memory ≤ 256 MB".</param>
/// <param name="Layer">Who enforces it.</param>
/// <param name="Mechanism">How, e.g. "Landlock ABI 7" or "RLIMIT_DATA + GC heap limit".</param>
public sealed record Guarantee(string Subject, EnforcementLayer Layer, string Mechanism);
