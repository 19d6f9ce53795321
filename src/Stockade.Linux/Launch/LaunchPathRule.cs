using Stockade.Linux.Landlock;

namespace Stockade.Linux.Launch;

/// <summary>A Landlock rule: <see cref="Access"/> is allowed beneath <see cref="Path"/>.</summary>
internal sealed class LaunchPathRule
{
    /// <summary>Absolute path of a directory or file (a file rule keeps only file rights). <c>/proc/self</c> means the launcher's own pid.</summary>
    public required string Path { get; set; }

    /// <summary>The rights granted, one flag per element (e.g. <c>"ReadFile"</c>).</summary>
    public IReadOnlyList<LandlockFsAccess> Access { get; set; } = [];
}
