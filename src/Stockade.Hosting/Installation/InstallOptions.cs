using Stockade.Hosting.Validation;

namespace Stockade.Hosting.Installation;

/// <summary>How <see cref="PluginInstaller.Install"/> decides the plugin's permissions.</summary>
public sealed class InstallOptions
{
    /// <summary>
    /// Permissions to grant now: each one must be declared by the manifest (or narrower than a declared one);
    /// <c>all</c> grants every declared permission, <c>none</c> grants nothing and asks nothing.
    /// </summary>
    public IReadOnlyList<string> Grants { get; init; } = [];

    /// <summary>Who decides, recorded with each grant and in the audit log.</summary>
    public string By { get; init; } = "cli";

    /// <summary>
    /// Asked for each declared permission that <see cref="Grants"/> and earlier decisions (on upgrade) leave
    /// open; true grants it, false records a denial. Null leaves them not granted.
    /// </summary>
    public Func<PermissionView, bool>? Ask { get; init; }

    /// <summary>
    /// Called once the folder is validated, before anything is copied or recorded, with the report a person reviews
    /// (signature, every declared permission and its decision so far); false leaves the plugin not installed
    /// (<see cref="PluginPermissionDeniedException"/>, layer <c>install</c>). Null installs without a review.
    /// </summary>
    public Func<ValidationReport, bool>? Review { get; init; }

    /// <summary>Non-interactive: <see cref="Ask"/> is not called; permissions left open stay not granted.</summary>
    public bool Yes { get; init; }

    /// <summary>The level to validate for; null uses the host's default level.</summary>
    public string? Level { get; init; }

    /// <summary>What the plugin folder may hold and how long reading it may take; null uses the host's (<see cref="PluginHostOptions.PluginFolderLimits"/>).</summary>
    public Linux.FileSystem.PluginFolderLimits? FolderLimits { get; init; }
}
