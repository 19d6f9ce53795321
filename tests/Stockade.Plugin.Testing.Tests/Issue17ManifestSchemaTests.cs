using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using YamlDotNet.RepresentationModel;

namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// Issue 17 item 3: the manifest schema shipped to editors (src/Stockade.Core/Manifest/plugin.schema.json, packed into
/// Stockade.Plugin as schema/plugin.schema.json) is a valid draft 2020-12 schema, accepts every sample's plugin.yaml the
/// reader accepts, and rejects the broken samples whose fault is one of shape (checked with a real validator,
/// JsonSchema.Net, after converting the YAML to JSON as an editor's language server does). The binder and the schema are
/// checked key for key by Stockade.Core.Tests' ManifestSchemaTests.
/// </summary>
[Trait("Issue", "17")]
public sealed partial class Issue17ManifestSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(ManifestSchema.Json));

    public static TheoryData<string> SampleManifests()
    {
        var data = new TheoryData<string>();
        var root = RepoRoot();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "samples"), "plugin.yaml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(KitWorld.PluginsDirectory, "plugin.yaml", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/manifests-broken/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(root, file));
        }

        return data;
    }

    [Fact]
    public void Schema_IsAValidDraft202012Schema()
    {
        using var document = JsonDocument.Parse(ManifestSchema.Json);

        var result = MetaSchemas.Draft202012.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        result.IsValid.ShouldBeTrue(Describe(result));
        SampleManifests().Cast<object[]>().Count().ShouldBeGreaterThan(10);
    }

    [Theory]
    [MemberData(nameof(SampleManifests))]
    public void SampleManifest_TheReaderAccepts_IsValidAgainstTheSchema(string relativePath)
    {
        var path = Path.Combine(RepoRoot(), relativePath);
        // The sample host application's plugin uses the category its host service defines ('inventory').
        var catalog = PermissionCatalog.Default.WithCategory(new PermissionCategory("inventory", ["read", "write"], ScopeKind.Name));
        ManifestReader.ReadDirectory(Path.GetDirectoryName(path)!, catalog).IsValid.ShouldBeTrue($"{relativePath}: the reader refuses it");

        var result = Validate(File.ReadAllText(path));

        result.IsValid.ShouldBeTrue($"{relativePath}: {Describe(result)}");
    }

    [Theory]
    [InlineData("unknown-key")]
    [InlineData("wrong-type")]
    [InlineData("missing-key")]
    [InlineData("bad-id")]
    [InlineData("unknown-runtime")]
    [InlineData("memory-too-low")]
    [InlineData("above-maximum")]
    [InlineData("max-file-too-low")]
    [InlineData("bad-duration")]
    [InlineData("bad-rate-limit")]
    [InlineData("interpreter-relative")]
    public void BrokenManifest_OfShape_IsRejectedByTheSchemaAsByTheReader(string sample)
    {
        var path = Path.Combine(RepoRoot(), "samples", "manifests-broken", sample, "plugin.yaml");
        ManifestReader.ReadDirectory(Path.GetDirectoryName(path)!).IsValid.ShouldBeFalse();

        Validate(File.ReadAllText(path)).IsValid.ShouldBeFalse($"{sample}: the schema accepts what the reader refuses");
    }

    [Fact]
    public void ManifestWithTheModeline_ReadsAsWithout()
    {
        const string Modeline = "# yaml-language-server: $schema=.stockade/plugin.schema.json\n";
        var manifest = KitWorld.ProbeHeader + KitWorld.Permissions(["config:read=theme"]);

        var read = ManifestReader.Parse(Modeline + manifest, "plugin.yaml", ManifestFormat.Yaml);

        read.Diagnostics.ShouldBeEmpty();
        Validate(Modeline + manifest).IsValid.ShouldBeTrue();
    }

    private static EvaluationResults Validate(string yaml)
    {
        using var document = JsonDocument.Parse(YamlToJson(yaml)?.ToJsonString() ?? "null");
        return Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    // YAML 1.2 core schema, as the yaml-language-server reads a manifest: plain scalars that look like numbers, booleans
    // or null are those; quoted scalars and everything else are strings.
    private static JsonNode? YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(e => KeyValuePair.Create(((YamlScalarNode)e.Key).Value!, Convert(e.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when IntegerPattern().IsMatch(text) => JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture)),
            _ when FloatPattern().IsMatch(text) => JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(text),
        };
    }

    private static string Describe(EvaluationResults result)
    {
        var problems = new List<string>();
        Collect(result, problems);
        return problems.Count == 0 ? "valid" : string.Join("; ", problems.Take(10));
    }

    private static void Collect(EvaluationResults result, List<string> problems)
    {
        foreach (var (keyword, message) in result.Errors ?? new Dictionary<string, string>())
        {
            problems.Add($"{result.InstanceLocation} {keyword}: {message}");
        }

        foreach (var detail in result.Details ?? [])
        {
            Collect(detail, problems);
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root is not above the test folder");
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
