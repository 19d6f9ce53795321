using System.Globalization;
using System.Text;
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
        writer.WriteLine(Serialize(document));
        writer.Flush();
    }

    /// <summary>
    /// Serialises <paramref name="document"/> so it is also safe on a terminal: the serializer escapes
    /// control characters, and this escapes what the relaxed encoder leaves raw (bidi overrides and
    /// isolates, zero-width and other format characters, line separators, C1 controls) as <c>\uXXXX</c>.
    /// Such characters can only stand inside a JSON string, where the escape means the same character,
    /// so the document and its values are unchanged for any JSON reader.
    /// </summary>
    public static string Serialize<T>(T document)
    {
        var json = JsonSerializer.Serialize(document, Options);
        var first = json.AsSpan().IndexOfAnyExceptInRange(' ', '~');
        if (first < 0)
        {
            return json;
        }

        var sb = new StringBuilder(json.Length + 16);
        sb.Append(json.AsSpan(0, first));
        foreach (var c in json.AsSpan(first))
        {
            if (c is not ('\n' or '\r') && TerminalText.NeedsEscape(c))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
