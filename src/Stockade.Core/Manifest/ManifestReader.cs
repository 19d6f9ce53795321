using Stockade.Core.Permissions;

namespace Stockade.Core.Manifest;

/// <summary>
/// Reads <c>plugin.yaml</c> or <c>plugin.json</c>. Never throws on bad input: every problem becomes a
/// <see cref="ManifestDiagnostic"/> with file, line and column.
/// </summary>
public static class ManifestReader
{
    /// <summary>The YAML manifest file name.</summary>
    public const string YamlFileName = "plugin.yaml";

    /// <summary>The JSON manifest file name.</summary>
    public const string JsonFileName = "plugin.json";

    /// <summary>Largest manifest accepted, in bytes; a manifest is a page of settings, not data.</summary>
    public const int MaxFileBytes = 256 * 1024;

    /// <summary>Reads the manifest in <paramref name="pluginDir"/>: <c>plugin.yaml</c> or <c>plugin.json</c>, not both.</summary>
    /// <param name="pluginDir">The plugin folder.</param>
    /// <param name="catalog">Known permission categories and aliases; <see cref="PermissionCatalog.Default"/> when null.</param>
    public static ManifestReadResult ReadDirectory(string pluginDir, PermissionCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(pluginDir);
        var yamlPath = Path.Combine(pluginDir, YamlFileName);
        var jsonPath = Path.Combine(pluginDir, JsonFileName);
        var hasYaml = File.Exists(yamlPath);
        var hasJson = File.Exists(jsonPath);
        if (!hasYaml && !hasJson)
        {
            var sink = new DiagnosticSink(yamlPath);
            var what = Directory.Exists(pluginDir) ? $"'{pluginDir}' has no {YamlFileName} or {JsonFileName}" : $"the folder '{pluginDir}' does not exist";
            sink.Error(ManifestDiagnosticCodes.File, what, $"create one with `stockade init {pluginDir}` or point at the folder that holds the manifest", 1, 1, null);
            return new ManifestReadResult(null, sink.Items);
        }

        var path = hasYaml ? yamlPath : jsonPath;
        var format = hasYaml ? ManifestFormat.Yaml : ManifestFormat.Json;
        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileBytes)
            {
                return Single(path, $"the manifest is {info.Length} bytes; at most {MaxFileBytes} are accepted", "a manifest holds settings only; move data into the plugin folder");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Single(path, $"the manifest cannot be read: {ex.Message}", "check that the file exists and is readable");
        }

        var result = Parse(text, path, format, catalog);
        if (!(hasYaml && hasJson))
        {
            return result;
        }

        var both = new DiagnosticSink(jsonPath);
        both.Error(ManifestDiagnosticCodes.File, $"both {YamlFileName} and {JsonFileName} are present; {YamlFileName} was read", $"delete one of them so there is no doubt which one applies", 1, 1, null);
        return new ManifestReadResult(result.Manifest, [.. both.Items, .. result.Diagnostics]);
    }

    /// <summary>Parses manifest text.</summary>
    /// <param name="text">The file content.</param>
    /// <param name="fileName">Name used in diagnostics.</param>
    /// <param name="format">YAML or JSON.</param>
    /// <param name="catalog">Known permission categories and aliases; <see cref="PermissionCatalog.Default"/> when null.</param>
    public static ManifestReadResult Parse(string text, string fileName, ManifestFormat format, PermissionCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var sink = new DiagnosticSink(fileName);
        if (text is null)
        {
            sink.Error(ManifestDiagnosticCodes.File, "no manifest text was given", "pass the content of plugin.yaml or plugin.json", 1, 1, null);
            return new ManifestReadResult(null, sink.Items);
        }

        if (text.Length > MaxFileBytes)
        {
            return Single(fileName, $"the manifest is {text.Length} characters; at most {MaxFileBytes} are accepted", "a manifest holds settings only; move data into the plugin folder");
        }

        try
        {
            var root = new ManifestTreeLoader(sink).Load(text, format);
            var manifest = root is null ? null : new ManifestBinder(sink, catalog ?? PermissionCatalog.Default).Bind(root);
            var ordered = sink.Items.OrderBy(d => d.Line).ThenBy(d => d.Column).ToArray();
            return new ManifestReadResult(manifest, ordered);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Parsing must never take the caller down; an unexpected failure is still reported as a diagnostic.
            sink.Error(ManifestDiagnosticCodes.Syntax, $"the manifest could not be read: {ex.Message}", "check the file's syntax; if it looks right, report this as a Stockade bug", 1, 1, null);
            return new ManifestReadResult(null, sink.Items);
        }
    }

    private static ManifestReadResult Single(string file, string message, string hint)
    {
        var sink = new DiagnosticSink(file);
        sink.Error(ManifestDiagnosticCodes.File, message, hint, 1, 1, null);
        return new ManifestReadResult(null, sink.Items);
    }
}
