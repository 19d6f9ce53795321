namespace Stockade.Hosting.Validation;

/// <summary>Everything <see cref="PluginValidator"/> found about one plugin folder.</summary>
public sealed record ValidationReport
{
    /// <summary>The plugin folder (absolute).</summary>
    public required string Directory { get; init; }

    /// <summary>The plugin id, when the manifest could be read.</summary>
    public string? PluginId { get; init; }

    /// <summary>The plugin's display name, when the manifest could be read.</summary>
    public string? Name { get; init; }

    /// <summary>The plugin version, when the manifest could be read.</summary>
    public string? Version { get; init; }

    /// <summary>True when no item is an error.</summary>
    public bool IsValid => !Items.Any(i => i.Severity == ValidationSeverities.Error);

    /// <summary>True when the signature is bad or files changed, were added or removed after signing.</summary>
    public bool IsIntegrityFailure { get; init; }

    /// <summary>Reading and checking the folder took longer than its time limit (<see cref="Linux.FileSystem.PluginFolderLimits.Timeout"/>); the report is incomplete.</summary>
    public bool IsTimeout { get; init; }

    /// <summary>The manifest that was validated, for the installer (read once, through the folder's descriptors).</summary>
    internal Core.Manifest.PluginManifest? Manifest { get; init; }

    /// <summary>Every finding, in stage order (manifest, entry, signature, analysis, conflict).</summary>
    public IReadOnlyList<ValidationItem> Items { get; init; } = [];

    /// <summary>The signature check.</summary>
    public SignatureSummary Signature { get; init; } = new("not-checked", null, null);

    /// <summary>The declared permissions with their meaning in plain words (and the home's decision, when known).</summary>
    public IReadOnlyList<PermissionView> Permissions { get; init; } = [];

    /// <summary>The load order of the home's plugins with this one added, when a home was given and it has no cycle.</summary>
    public IReadOnlyList<string> LoadOrder { get; init; } = [];

    /// <summary>The errors only.</summary>
    public IReadOnlyList<ValidationItem> Errors => [.. Items.Where(i => i.Severity == ValidationSeverities.Error)];
}
