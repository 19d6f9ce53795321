using System.Text.Json;
using Stockade.Core.Manifest;

namespace Stockade.Core.Tests.Manifest;

public class ManifestSchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(ManifestSchema.Json).RootElement;

    [Fact]
    public void Json_IsDraft202012()
    {
        Schema.GetProperty("$schema").GetString().ShouldBe("https://json-schema.org/draft/2020-12/schema");
    }

    [Fact]
    public void Json_RequiredKeys_MatchReader()
    {
        Schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ShouldBe(ManifestKeys.Required);
    }

    [Fact]
    public void Json_EveryMapping_HasExactlyTheKeysTheReaderAccepts()
    {
        var schemaMappings = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Collect(Schema, string.Empty, schemaMappings);

        schemaMappings.Keys.Order().ShouldBe(ManifestKeys.ByPath.Keys.Order());
        foreach (var (path, keys) in ManifestKeys.ByPath)
        {
            schemaMappings[path].Order().ShouldBe(keys.Order(), $"mapping '{path}'");
        }
    }

    [Fact]
    public void Json_EveryMappingRefusesUnknownKeys()
    {
        var closed = new List<string>();
        CollectClosed(Schema, string.Empty, closed);

        closed.Order().ShouldBe(ManifestKeys.ByPath.Keys.Order());
    }

    // Walks the schema as the reader walks a manifest: object properties, array items, oneOf alternatives and $refs.
    private static void Collect(JsonElement node, string path, Dictionary<string, string[]> found)
    {
        node = Resolve(node);
        if (node.TryGetProperty("properties", out var properties))
        {
            found[path] = properties.EnumerateObject().Select(p => p.Name).ToArray();
            foreach (var property in properties.EnumerateObject())
            {
                Collect(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", found);
            }
        }

        if (node.TryGetProperty("items", out var items))
        {
            Collect(items, path + "[]", found);
        }

        if (node.TryGetProperty("oneOf", out var alternatives))
        {
            foreach (var alternative in alternatives.EnumerateArray())
            {
                Collect(alternative, path, found);
            }
        }
    }

    private static void CollectClosed(JsonElement node, string path, List<string> closed)
    {
        node = Resolve(node);
        if (node.TryGetProperty("properties", out var properties))
        {
            if (node.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
            {
                closed.Add(path);
            }

            foreach (var property in properties.EnumerateObject())
            {
                CollectClosed(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", closed);
            }
        }

        if (node.TryGetProperty("items", out var items))
        {
            CollectClosed(items, path + "[]", closed);
        }

        if (node.TryGetProperty("oneOf", out var alternatives))
        {
            foreach (var alternative in alternatives.EnumerateArray())
            {
                CollectClosed(alternative, path, closed);
            }
        }
    }

    private static JsonElement Resolve(JsonElement node)
    {
        while (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!["#/$defs/".Length..];
            node = Schema.GetProperty("$defs").GetProperty(name);
        }

        return node;
    }
}
