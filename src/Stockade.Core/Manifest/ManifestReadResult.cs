namespace Stockade.Core.Manifest;

/// <summary>The outcome of reading a manifest: the manifest when valid, and every diagnostic found.</summary>
public sealed class ManifestReadResult
{
    internal ManifestReadResult(PluginManifest? manifest, IReadOnlyList<ManifestDiagnostic> diagnostics)
    {
        IsValid = !diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        Manifest = IsValid ? manifest : null;
        Diagnostics = diagnostics;
    }

    /// <summary>The manifest; set exactly when <see cref="IsValid"/> is true.</summary>
    public PluginManifest? Manifest { get; }

    /// <summary>Every error, warning and info, in document order.</summary>
    public IReadOnlyList<ManifestDiagnostic> Diagnostics { get; }

    /// <summary>True when there is no error (warnings allowed).</summary>
    public bool IsValid { get; }
}
