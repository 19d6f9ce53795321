using System.Reflection;
using Stockade.Core.Manifest;

namespace Stockade.Cli.Commands;

/// <summary>
/// The plugin templates of the Stockade.Templates package (<c>templates/content/stockade-plugin*</c>), embedded in this
/// assembly so that <c>stockade init</c> and <c>dotnet new</c> write the same files from one source. The tokens are the
/// ones the templates' <c>template.json</c> replaces (a test checks that they agree); the version token is the one the
/// template package fills in at pack time.
/// </summary>
internal static class PluginTemplate
{
    /// <summary>The C# plugin and its test project (<c>dotnet new stockade-plugin</c>).</summary>
    public const string CSharp = "stockade-plugin";

    /// <summary>The Python plugin (<c>dotnet new stockade-plugin-python</c>).</summary>
    public const string Python = "stockade-plugin-python";

    /// <summary>The Node.js plugin (<c>dotnet new stockade-plugin-node</c>).</summary>
    public const string Node = "stockade-plugin-node";

    /// <summary>Replaced by the plugin's type name, in file and folder names and in contents (the <c>PluginType</c> symbol).</summary>
    public const string TypeToken = "MyPlugin";

    /// <summary>Replaced by the plugin id (the <c>PluginId</c> symbol).</summary>
    public const string IdToken = "my.plugin";

    /// <summary>Replaced by the version of the Stockade packages when the template package is packed.</summary>
    public const string VersionToken = "STOCKADE_VERSION";

    /// <summary>Where the manifest schema sits beside plugin.yaml (referenced by its first line).</summary>
    public const string SchemaPath = ".stockade/plugin.schema.json";

    private const string ResourcePrefix = "templates/";

    /// <summary>The version of the Stockade packages this tool belongs to (what generated projects reference).</summary>
    public static string StockadeVersion { get; } =
        typeof(PluginTemplate).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "StockadeVersion")?.Value
        ?? throw new InvalidOperationException("the StockadeVersion assembly metadata is missing; the Stockade.Cli build is broken.");

    /// <summary>The template's files, relative path (with tokens) → contents (with tokens).</summary>
    public static IReadOnlyList<(string Path, string Text)> Files(string template)
    {
        var assembly = typeof(PluginTemplate).Assembly;
        var prefix = ResourcePrefix + template + "/";
        var files = new List<(string, string)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            files.Add((name[prefix.Length..], reader.ReadToEnd()));
        }

        return files.Count > 0 ? files : throw new InvalidOperationException($"the embedded template '{template}' is missing; the Stockade.Cli build is broken.");
    }

    /// <summary>The C# template's manifest for <c>--native</c>, renamed to plugin.yaml (template.json's <c>sources</c> modifiers).</summary>
    public const string NativeManifest = "plugin.native.yaml";

    /// <summary>
    /// Writes <paramref name="template"/> into <paramref name="directory"/> with the tokens replaced, plus the manifest schema
    /// beside plugin.yaml; returns the plugin folder (the one holding plugin.yaml). <paramref name="native"/> is the C#
    /// template's <c>native</c> symbol, applied as <c>dotnet new</c> applies it: the <c>&lt;!--#if (native) --&gt;</c>
    /// blocks, and the NativeAOT manifest and <c>Program.cs</c> instead of the JIT manifest.
    /// </summary>
    public static string Write(string template, string directory, string type, string id, bool native = false)
    {
        string? pluginFolder = null;
        foreach (var (original, text) in Files(template))
        {
            var name = Path.GetFileName(original);
            if (template == CSharp && (native ? name == "plugin.yaml" : name is NativeManifest or "Program.cs"))
            {
                continue;
            }

            var path = name == NativeManifest ? Path.Combine(Path.GetDirectoryName(original)!, "plugin.yaml") : original;
            var target = Path.Combine(directory, path.Replace(TypeToken, type, StringComparison.Ordinal));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, Fill(Conditionals(text, native), type, id));
            if (Path.GetFileName(target) == "plugin.yaml")
            {
                pluginFolder = Path.GetDirectoryName(target)!;
            }
        }

        if (pluginFolder is null)
        {
            throw new InvalidOperationException($"the embedded template '{template}' has no plugin.yaml; the Stockade.Cli build is broken.");
        }

        var schema = Path.Combine(pluginFolder, SchemaPath);
        Directory.CreateDirectory(Path.GetDirectoryName(schema)!);
        File.WriteAllText(schema, ManifestSchema.Json);
        return pluginFolder;
    }

    /// <summary>
    /// The <c>native</c> symbol's XML conditionals (<c>&lt;!--#if (native) --&gt;</c>, <c>&lt;!--#else --&gt;</c>,
    /// <c>&lt;!--#endif --&gt;</c>, each on a line of its own, not nested), kept or dropped as <c>dotnet new</c> does.
    /// </summary>
    public static string Conditionals(string text, bool native)
    {
        if (!text.Contains("<!--#if", StringComparison.Ordinal))
        {
            return text;
        }

        var kept = new List<string>();
        bool? branch = null; // null: outside a block; true: in the branch that is kept
        foreach (var line in text.Split('\n'))
        {
            switch (line.Trim())
            {
                case "<!--#if (native) -->":
                    branch = native;
                    continue;
                case "<!--#else -->":
                    branch = !branch;
                    continue;
                case "<!--#endif -->":
                    branch = null;
                    continue;
            }

            if (branch is null or true)
            {
                kept.Add(line);
            }
        }

        return string.Join('\n', kept);
    }

    /// <summary>A template file's contents with the tokens replaced, as <c>dotnet new</c> writes them.</summary>
    public static string Fill(string text, string type, string id) => text
        .Replace(VersionToken, StockadeVersion, StringComparison.Ordinal)
        .Replace(TypeToken, type, StringComparison.Ordinal)
        .Replace(IdToken, id, StringComparison.Ordinal);
}
