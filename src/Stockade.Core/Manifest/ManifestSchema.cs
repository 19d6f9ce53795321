namespace Stockade.Core.Manifest;

/// <summary>The JSON Schema (draft 2020-12) of the manifest, for editor completion and external validators.</summary>
public static class ManifestSchema
{
    private static readonly Lazy<string> Text = new(Load);

    /// <summary>The schema document.</summary>
    public static string Json => Text.Value;

    private static string Load()
    {
        using var stream = typeof(ManifestSchema).Assembly.GetManifestResourceStream("Stockade.Core.plugin.schema.json")
            ?? throw new InvalidOperationException("The embedded resource Stockade.Core.plugin.schema.json is missing; the Stockade.Core build is broken.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
