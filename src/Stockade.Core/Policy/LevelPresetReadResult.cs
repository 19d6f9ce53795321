using Stockade.Core.Manifest;

namespace Stockade.Core.Policy;

/// <summary>The outcome of reading a named host policy with <see cref="LevelPresets.FromJson(string, string, Stockade.Core.Permissions.PermissionCatalog)"/>.</summary>
public sealed class LevelPresetReadResult
{
    internal LevelPresetReadResult(LevelPreset? preset, IReadOnlyList<ManifestDiagnostic> diagnostics)
    {
        IsValid = !diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        Preset = IsValid ? preset : null;
        Diagnostics = diagnostics;
    }

    /// <summary>The policy; set exactly when <see cref="IsValid"/> is true.</summary>
    public LevelPreset? Preset { get; }

    /// <summary>Every problem found, with line and column (codes are shared with the manifest reader).</summary>
    public IReadOnlyList<ManifestDiagnostic> Diagnostics { get; }

    /// <summary>True when there is no error.</summary>
    public bool IsValid { get; }
}
