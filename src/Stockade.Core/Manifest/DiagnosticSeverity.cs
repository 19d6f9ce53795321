namespace Stockade.Core.Manifest;

/// <summary>How serious a <see cref="ManifestDiagnostic"/> is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Worth knowing; does not affect validity.</summary>
    Info,

    /// <summary>Probably a mistake; the manifest is still valid.</summary>
    Warning,

    /// <summary>The manifest is invalid and the plugin is refused.</summary>
    Error,
}
