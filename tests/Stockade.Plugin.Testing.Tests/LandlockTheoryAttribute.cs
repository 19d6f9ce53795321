using Stockade.Linux.Features;

namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// A theory that needs a kernel that confines workers (Linux, Landlock, seccomp): skipped with the reason elsewhere. With
/// <see cref="NeedsRoot"/>, it also needs a root test run (a worker switched to another uid).
/// </summary>
internal sealed class LandlockTheoryAttribute : TheoryAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public LandlockTheoryAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    public static string? Missing => Unavailable.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "confined workers need Linux";
        }

        var features = KernelFeatures.Probe(new KernelFeatureProbeOptions());
        return features.LandlockAbi < 1 ? "this kernel has no Landlock"
            : !features.SeccompFilter ? "this kernel has no seccomp filters"
            : null;
    }
}
