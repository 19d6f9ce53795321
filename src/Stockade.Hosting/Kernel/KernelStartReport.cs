using System.Globalization;
using Stockade.Linux.Landlock;
using Stockade.Linux.Launch;

namespace Stockade.Hosting.Kernel;

/// <summary>
/// What a worker's launcher and stage 2 measured about their confinement and reported before any plugin code ran, plus
/// what the host itself observed of it (the seccomp listener it holds, the canary's denials it answered).
/// </summary>
internal sealed record KernelStartReport
{
    /// <summary>Landlock as <c>landlock_restrict_self</c> left it (rust-landlock's RestrictionStatus), or null when not reported.</summary>
    public LandlockStatus? Landlock { get; init; }

    /// <summary>The Landlock ABI the launcher found.</summary>
    public int? LandlockAbi { get; init; }

    /// <summary>True when the launcher asked Landlock to log the denials of its exec'd target (ABI ≥ 7).</summary>
    public bool LandlockLogsAfterExec { get; init; }

    /// <summary>Who installed the seccomp filter ("launcher" or "worker"), or null when no filter was reported.</summary>
    public string? SeccompInstalledBy { get; init; }

    /// <summary>The filter's profile (Dotnet, Python, Node, Native).</summary>
    public string? SeccompProfile { get; init; }

    /// <summary>True when the host holds the filter's user-notification listener: every denied call reaches it.</summary>
    public bool ListenerHeld { get; init; }

    /// <summary>The canary's probes and how many the kernel blocked, as the canary counted them.</summary>
    public int? CanaryProbes { get; init; }

    /// <summary>Probes the canary saw blocked (by seccomp or Landlock).</summary>
    public int? CanaryBlocked { get; init; }

    /// <summary>Denied calls the host itself answered before the worker was ready (the canary's seccomp probes).</summary>
    public int CanaryDenialsObserved { get; init; }

    /// <summary>True when the last report (after the canary) arrived.</summary>
    public bool Complete { get; init; }

    /// <summary>Builds the report from the pairs received (values that do not parse are left out).</summary>
    internal static KernelStartReport From(IReadOnlyDictionary<string, string> pairs, bool listenerHeld, int canaryDenials, bool complete)
    {
        int? Number(string key) => pairs.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        string? Word(string key) => pairs.TryGetValue(key, out var text) && text.Length is > 0 and <= 32 && text.All(char.IsAsciiLetterOrDigit) ? text : null;

        return new KernelStartReport
        {
            Landlock = Word(KernelReport.Landlock) is { } status && Enum.TryParse<LandlockStatus>(status, out var parsed) && Enum.IsDefined(parsed) ? parsed : null,
            LandlockAbi = Number(KernelReport.LandlockAbi),
            LandlockLogsAfterExec = pairs.TryGetValue(KernelReport.LandlockLog, out var log) && log == "new-exec",
            SeccompInstalledBy = Word(KernelReport.Seccomp),
            SeccompProfile = Word(KernelReport.SeccompProfile),
            ListenerHeld = listenerHeld,
            CanaryProbes = Number(KernelReport.CanaryProbes),
            CanaryBlocked = Number(KernelReport.CanaryBlocked),
            CanaryDenialsObserved = canaryDenials,
            Complete = complete,
        };
    }
}
