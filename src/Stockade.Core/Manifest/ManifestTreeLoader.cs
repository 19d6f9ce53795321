using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Stockade.Core.Manifest;

/// <summary>
/// Loads YAML or JSON text into <see cref="ManifestNode"/>s with positions, reporting syntax errors, duplicate
/// keys and aliases as diagnostics instead of throwing.
/// </summary>
/// <remarks>
/// JSON goes through the same YAML event parser, because JSON is YAML 1.2 flow syntax and that parser already
/// tracks line and column for every node. YAML is more lenient than JSON (comments, single quotes, unquoted
/// keys), so JSON text is first checked by <see cref="JsonDocument"/>, whose errors carry the line and byte
/// position; only text that is strict JSON reaches the YAML parser.
/// </remarks>
internal sealed class ManifestTreeLoader(DiagnosticSink sink)
{
    private const int MaxDepth = 32;

    private int _lastLine = 1;
    private int _lastColumn = 1;

    public ManifestNode? Load(string text, ManifestFormat format)
    {
        if (format == ManifestFormat.Json && !IsStrictJson(text))
        {
            return null;
        }

        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out var end))
            {
                sink.Error(ManifestDiagnosticCodes.Syntax, "the manifest is empty", "start from `stockade init <dir>` or add at least id, name, version, runtime and entry", (int)end.Start.Line, (int)end.Start.Column, null);
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, 0);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                sink.Error(ManifestDiagnosticCodes.Syntax, "the file holds more than one YAML document", "keep one document; remove the second '---'", (int)second.Start.Line, (int)second.Start.Column, null);
                return null;
            }

            return root;
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            sink.Error(ManifestDiagnosticCodes.Syntax, $"{(format == ManifestFormat.Json ? "JSON" : "YAML")} syntax error: {StripPosition(message)}", "check indentation, quoting and ':' after keys near this position", Math.Max(1, (int)ex.Start.Line), Math.Max(1, (int)ex.Start.Column), null);
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException on some unterminated flow collections.
            sink.Error(ManifestDiagnosticCodes.Syntax, $"{(format == ManifestFormat.Json ? "JSON" : "YAML")} syntax error: the parser could not continue after this point", "look for an unclosed '[', '{' or quote here or just after", _lastLine, _lastColumn, null);
            return null;
        }
    }

    private ManifestNode? ReadNode(IParser parser, int depth)
    {
        if (parser.Current is { } next)
        {
            (_lastLine, _lastColumn) = ((int)next.Start.Line, (int)next.Start.Column);
        }

        if (depth > MaxDepth)
        {
            var current = parser.Current!;
            throw new YamlException(current.Start, current.End, $"nesting deeper than {MaxDepth} levels");
        }

        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            sink.Error(ManifestDiagnosticCodes.AliasNotAllowed, $"the YAML alias '*{alias.Value}' is not allowed in a manifest", "write the value out in full; aliases are refused so a small file cannot expand into a huge one", (int)alias.Start.Line, (int)alias.Start.Column, null);
            return null;
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            return new ManifestScalar(scalar.Value, scalar.Style == ScalarStyle.Plain, (int)scalar.Start.Line, (int)scalar.Start.Column);
        }

        if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            var items = new List<ManifestNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                if (ReadNode(parser, depth + 1) is { } item)
                {
                    items.Add(item);
                }
            }

            return new ManifestSequence(items, (int)sequenceStart.Start.Line, (int)sequenceStart.Start.Column);
        }

        var mappingStart = parser.Consume<MappingStart>();
        var entries = new List<KeyValuePair<ManifestScalar, ManifestNode>>();
        var seen = new Dictionary<string, ManifestScalar>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(parser, depth + 1);
            var value = ReadNode(parser, depth + 1);
            if (keyNode is not ManifestScalar key)
            {
                if (keyNode is not null)
                {
                    sink.Error(ManifestDiagnosticCodes.WrongType, $"a key must be a text value, not {keyNode.KindName}", "use plain names as keys", keyNode.Line, keyNode.Column, null);
                }

                continue;
            }

            if (seen.TryGetValue(key.Value, out var first))
            {
                sink.Error(ManifestDiagnosticCodes.DuplicateKey, $"duplicate key '{key.Value}' (first defined at line {first.Line})", "keep one of them; a reader would otherwise silently use only one", key.Line, key.Column, null);
                continue;
            }

            seen.Add(key.Value, key);
            entries.Add(new KeyValuePair<ManifestScalar, ManifestNode>(key, value ?? new ManifestScalar(string.Empty, true, key.Line, key.Column)));
        }

        return new ManifestMapping(entries, (int)mappingStart.Start.Line, (int)mappingStart.Start.Column);
    }

    private bool IsStrictJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth });
            return true;
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            var column = (int)(ex.BytePositionInLine ?? 0) + 1;
            sink.Error(ManifestDiagnosticCodes.Syntax, $"JSON syntax error: {StripPosition(ex.Message)}", "check commas, quotes and brackets near this position", line, column, null);
            return false;
        }
    }

    private static string StripPosition(string message)
    {
        // Both parsers append their own position text; the diagnostic carries the position already.
        var index = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (index >= 0)
        {
            message = message[..index];
        }

        if (message.StartsWith('(') && message.IndexOf("): ", StringComparison.Ordinal) is var close and > 0)
        {
            message = message[(close + 3)..];
        }

        return message.TrimEnd('.', ' ');
    }
}
