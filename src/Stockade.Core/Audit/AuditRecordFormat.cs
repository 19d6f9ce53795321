using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Stockade.Core.Audit;

/// <summary>
/// The canonical form of an audit record and its hash. Canonical JSON: the keys <c>v</c> (schema version, from version 2), <c>seq, ts, action, plugin,
/// decision, layer, permission, resource, details, prev</c> in that order, every key always present (null
/// when absent), <c>details</c> keys sorted ordinally, no whitespace, UTF-8, <c>ts</c> as
/// <c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>, strings escaped as <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>
/// does. <c>hash</c> = lowercase hex SHA-256 of those bytes; a log line is the same object with
/// <c>"hash"</c> appended as the last key, followed by <c>\n</c>.
/// </summary>
public static class AuditRecordFormat
{
    /// <summary>The <c>prev</c> of the very first record: 64 zeros.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>
    /// The schema version of records written now. 1: the original keys, no <c>v</c>. 2: <c>"v":2</c> as the first key,
    /// otherwise as 1. Readers accept every version up to this one; a newer one is reported, not guessed at.
    /// </summary>
    public const int CurrentVersion = 2;

    /// <summary>The timestamp format used in the canonical form.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Builds the record that follows <paramref name="prev"/>: redacts the details, sorts them, replaces
    /// invalid UTF-16 and computes the hash.
    /// </summary>
    /// <param name="seq">Sequence number to assign (1-based).</param>
    /// <param name="ts">Timestamp; converted to UTC and truncated to 100 ns.</param>
    /// <param name="entry">What the caller submitted.</param>
    /// <param name="prev">Hash of the previous record, or <see cref="GenesisHash"/>.</param>
    public static AuditRecord Create(long seq, DateTimeOffset ts, AuditEntry entry, string prev) => Create(seq, ts, entry, prev, null);

    /// <summary>
    /// Builds the record like <see cref="Create(long, DateTimeOffset, AuditEntry, string)"/> and, in the same
    /// pass, appends its log line (as <see cref="WriteLine"/> would) to <paramref name="line"/>.
    /// </summary>
    /// <param name="seq">Sequence number to assign (1-based).</param>
    /// <param name="ts">Timestamp; converted to UTC.</param>
    /// <param name="entry">What the caller submitted.</param>
    /// <param name="prev">Hash of the previous record, or <see cref="GenesisHash"/>.</param>
    /// <param name="line">Where to append the log line, or null for none.</param>
    public static AuditRecord Create(long seq, DateTimeOffset ts, AuditEntry entry, string prev, IBufferWriter<byte>? line)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(prev);
        var details = Redactor.Redact(entry.Details);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in details)
        {
            sorted[Clean(key)] = Clean(value);
        }

        var record = new AuditRecord(
            seq,
            ts.ToUniversalTime(),
            Clean(entry.Action),
            CleanOrNull(entry.Plugin),
            entry.Decision,
            entry.Layer,
            CleanOrNull(entry.Permission),
            entry.Resource is null ? null : Clean(Redactor.RedactValue(entry.Resource)),
            sorted,
            prev,
            string.Empty)
        {
            Version = CurrentVersion,
        };

        // Hash the canonical bytes, then reuse them for the line: the line is the same object with
        // ,"hash":"..." inserted before the closing brace.
        var (buffer, writer) = Rent();
        WriteCanonical(writer, record, includeHash: false);
        var canonical = buffer.WrittenSpan;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonical, digest);
        var hash = Convert.ToHexStringLower(digest);
        if (line is not null)
        {
            line.Write(canonical[..^1]);
            line.Write(",\"hash\":\""u8);
            var hex = line.GetSpan(digest.Length * 2);
            Convert.TryToHexStringLower(digest, hex, out var written);
            line.Advance(written);
            line.Write("\"}\n"u8);
        }

        return record with { Hash = hash };
    }

    /// <summary>Recomputes the hash of <paramref name="record"/> from every field except <c>Hash</c>.</summary>
    /// <param name="record">The record to hash.</param>
    public static string ComputeHash(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var (buffer, writer) = Rent();
        WriteCanonical(writer, record, includeHash: false);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Appends the log line of <paramref name="record"/> (canonical JSON with <c>hash</c>, then <c>\n</c>).</summary>
    /// <param name="record">A record whose hash is already set.</param>
    /// <param name="output">Where to write the UTF-8 bytes.</param>
    public static void WriteLine(AuditRecord record, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(output);
        var (buffer, writer) = Rent();
        WriteCanonical(writer, record, includeHash: true);
        output.Write(buffer.WrittenSpan);
        output.Write("\n"u8);
    }

    /// <summary>Returns the log line of <paramref name="record"/> as bytes, without the trailing newline.</summary>
    /// <param name="record">A record whose hash is already set.</param>
    public static byte[] ToCanonicalLine(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var (buffer, writer) = Rent();
        WriteCanonical(writer, record, includeHash: true);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses one log line (without its newline). Never throws on bad input: returns false with a plain
    /// description of what is wrong.
    /// </summary>
    /// <param name="line">The UTF-8 bytes of one line.</param>
    /// <param name="record">The parsed record when the line is well-formed.</param>
    /// <param name="problem">What is wrong when it is not.</param>
    public static bool TryParseLine(ReadOnlySpan<byte> line, out AuditRecord? record, out string? problem)
    {
        record = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != line.Length && !IsWhitespace(line[(int)reader.BytesConsumed..]))
            {
                problem = "extra text after the JSON object";
                return false;
            }

            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "not a JSON object";
                return false;
            }

            var version = 1L;
            if (root.TryGetProperty("v", out _) && (!TryGetInt64(root, "v", out version, out problem) || version < 2))
            {
                problem = "\"v\" (the schema version) is not an integer of 2 or more";
                return false;
            }

            if (version > CurrentVersion)
            {
                problem = $"schema version {version} is newer than this Stockade understands ({CurrentVersion}): upgrade stockade to read it";
                return false;
            }

            if (!TryGetInt64(root, "seq", out var seq, out problem)
                || !TryGetString(root, "ts", required: true, out var tsText, out problem)
                || !TryGetString(root, "action", required: true, out var action, out problem)
                || !TryGetString(root, "plugin", required: false, out var plugin, out problem)
                || !TryGetString(root, "decision", required: true, out var decisionText, out problem)
                || !TryGetString(root, "layer", required: true, out var layerText, out problem)
                || !TryGetString(root, "permission", required: false, out var permission, out problem)
                || !TryGetString(root, "resource", required: false, out var resource, out problem)
                || !TryGetString(root, "prev", required: true, out var prev, out problem)
                || !TryGetString(root, "hash", required: true, out var hash, out problem))
            {
                return false;
            }

            if (!DateTimeOffset.TryParseExact(tsText, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts))
            {
                problem = $"\"ts\" is not a UTC timestamp like 2026-01-31T12:00:00.0000000Z: '{tsText}'";
                return false;
            }

            if (!TryParseDecision(decisionText!, out var decision))
            {
                problem = $"\"decision\" must be allow, deny or info, not '{decisionText}'";
                return false;
            }

            if (!TryParseLayer(layerText!, out var layer))
            {
                problem = $"\"layer\" must be loader, broker, kernel, watchdog, host or cli, not '{layerText}'";
                return false;
            }

            var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("details", out var detailsElement) && detailsElement.ValueKind != JsonValueKind.Null)
            {
                if (detailsElement.ValueKind != JsonValueKind.Object)
                {
                    problem = "\"details\" is not an object";
                    return false;
                }

                foreach (var property in detailsElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        problem = $"\"details.{property.Name}\" is not a string";
                        return false;
                    }

                    details[property.Name] = property.Value.GetString()!;
                }
            }

            record = new AuditRecord(seq, ts, action!, plugin, decision, layer, permission, resource, details, prev!, hash!) { Version = (int)version };
            problem = null;
            return true;
        }
        catch (JsonException ex)
        {
            problem = $"not valid JSON ({ex.Message.Split('.')[0]})";
            return false;
        }
    }

    /// <summary>The lowercase name used in the log for a decision.</summary>
    /// <param name="decision">The decision.</param>
    public static string ToText(AuditDecision decision) => decision switch
    {
        AuditDecision.Allow => "allow",
        AuditDecision.Deny => "deny",
        AuditDecision.Info => "info",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "unknown audit decision"),
    };

    /// <summary>The lowercase name used in the log for a layer.</summary>
    /// <param name="layer">The layer.</param>
    public static string ToText(AuditLayer layer) => layer switch
    {
        AuditLayer.Loader => "loader",
        AuditLayer.Broker => "broker",
        AuditLayer.Kernel => "kernel",
        AuditLayer.Watchdog => "watchdog",
        AuditLayer.Host => "host",
        AuditLayer.Cli => "cli",
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer, "unknown audit layer"),
    };

    /// <summary>Parses the lowercase name of a decision.</summary>
    /// <param name="text">allow, deny or info.</param>
    /// <param name="decision">The decision when recognised.</param>
    public static bool TryParseDecision(string text, out AuditDecision decision)
    {
        switch (text)
        {
            case "allow": decision = AuditDecision.Allow; return true;
            case "deny": decision = AuditDecision.Deny; return true;
            case "info": decision = AuditDecision.Info; return true;
            default: decision = default; return false;
        }
    }

    /// <summary>Parses the lowercase name of a layer.</summary>
    /// <param name="text">loader, broker, kernel, watchdog, host or cli.</param>
    /// <param name="layer">The layer when recognised.</param>
    public static bool TryParseLayer(string text, out AuditLayer layer)
    {
        switch (text)
        {
            case "loader": layer = AuditLayer.Loader; return true;
            case "broker": layer = AuditLayer.Broker; return true;
            case "kernel": layer = AuditLayer.Kernel; return true;
            case "watchdog": layer = AuditLayer.Watchdog; return true;
            case "host": layer = AuditLayer.Host; return true;
            case "cli": layer = AuditLayer.Cli; return true;
            default: layer = default; return false;
        }
    }

    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) Rent()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        if (t_writer is null)
        {
            t_writer = new Utf8JsonWriter(buffer, WriterOptions);
        }
        else
        {
            t_writer.Reset(buffer);
        }

        return (buffer, t_writer);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, AuditRecord record, bool includeHash)
    {
        Span<char> ts = stackalloc char[28];
        record.Ts.UtcDateTime.TryFormat(ts, out var tsLength, TimestampFormat, CultureInfo.InvariantCulture);

        writer.WriteStartObject();
        if (record.Version >= 2)
        {
            writer.WriteNumber("v"u8, record.Version);
        }

        writer.WriteNumber("seq"u8, record.Seq);
        writer.WriteString("ts"u8, ts[..tsLength]);
        writer.WriteString("action"u8, record.Action);
        WriteStringOrNull(writer, "plugin"u8, record.Plugin);
        writer.WriteString("decision"u8, ToText(record.Decision));
        writer.WriteString("layer"u8, ToText(record.Layer));
        WriteStringOrNull(writer, "permission"u8, record.Permission);
        WriteStringOrNull(writer, "resource"u8, record.Resource);
        writer.WriteStartObject("details"u8);
        IEnumerable<KeyValuePair<string, string>> details = record.Details is SortedDictionary<string, string> sorted && sorted.Comparer == StringComparer.Ordinal
            ? sorted
            : record.Details.OrderBy(pair => pair.Key, StringComparer.Ordinal);
        foreach (var (key, value) in details)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.WriteString("prev"u8, record.Prev);
        if (includeHash)
        {
            writer.WriteString("hash"u8, record.Hash);
        }

        writer.WriteEndObject();
        writer.Flush();
    }

    private static void WriteStringOrNull(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static bool TryGetInt64(JsonElement root, string name, out long value, out string? problem)
    {
        value = 0;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out value))
        {
            problem = $"\"{name}\" is missing or not an integer";
            return false;
        }

        problem = null;
        return true;
    }

    private static bool TryGetString(JsonElement root, string name, bool required, out string? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!root.TryGetProperty(name, out var element))
        {
            problem = $"\"{name}\" is missing";
            return false;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            value = element.GetString();
            return true;
        }

        if (element.ValueKind == JsonValueKind.Null && !required)
        {
            return true;
        }

        problem = $"\"{name}\" is not a string";
        return false;
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> rest)
    {
        foreach (var b in rest)
        {
            if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static string? CleanOrNull(string? text) => text is null ? null : Clean(text);

    // Utf8JsonWriter refuses lone surrogates; a record must never fail to write because a plugin sent odd text.
    private static string Clean(string text)
    {
        foreach (var c in text)
        {
            if (char.IsSurrogate(c))
            {
                return System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));
            }
        }

        return text;
    }
}
