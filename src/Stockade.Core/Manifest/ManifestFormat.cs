namespace Stockade.Core.Manifest;

/// <summary>The syntax of a manifest file.</summary>
public enum ManifestFormat
{
    /// <summary><c>plugin.yaml</c>.</summary>
    Yaml,

    /// <summary><c>plugin.json</c>.</summary>
    Json,
}
