using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stockade.Cli.Rendering;

/// <summary>The one way the CLI writes <c>--json</c>: camelCase, indented, enums as strings, one document.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Write(TextWriter writer, object document)
    {
        writer.WriteLine(JsonSerializer.Serialize(document, Options));
        writer.Flush();
    }
}
