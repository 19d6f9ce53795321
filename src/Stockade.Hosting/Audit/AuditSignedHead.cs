using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>
/// A signed statement of one audit writer: "the chain reached record <see cref="Seq"/> with hash <see cref="Hash"/> in
/// <see cref="File"/> at <see cref="Ts"/>, and I wrote the records in <see cref="Ranges"/>". Kept one a line in
/// <c>audit/heads.jsonl</c>; <c>stockade audit anchor</c> prints the last one to keep elsewhere.
/// </summary>
/// <param name="Seq">The last record the chain had when signed (the record count).</param>
/// <param name="Hash">That record's hash: it binds every record up to it.</param>
/// <param name="File">The daily file that record is in.</param>
/// <param name="Ts">When the head was signed (UTC).</param>
/// <param name="Reason"><c>open</c> (before a writer's first records), <c>resume</c> (before records after an idle spell),
/// <c>interval</c>, <c>records</c>, <c>close</c>, or <c>retention</c> (records up to <see cref="Seq"/> were removed by retention).</param>
/// <param name="Ranges">The records this writer wrote since its previous head, as inclusive [from, to] pairs.</param>
/// <param name="KeyId">The signing key's id.</param>
/// <param name="Signature">Base64 ECDSA P-256 / SHA-256 signature of the line without <c>sig</c>.</param>
public sealed record AuditSignedHead(long Seq, string Hash, string File, DateTimeOffset Ts, string Reason, IReadOnlyList<(long From, long To)> Ranges, string KeyId, string Signature)
{
    /// <summary>The file name of the heads inside the audit folder.</summary>
    public const string FileName = "heads.jsonl";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reasons a running writer signs with: records after such a head, with no <c>close</c> of its writer after it, may still be waiting for that writer's next head.</summary>
    internal static readonly IReadOnlySet<string> LiveReasons = new HashSet<string>(StringComparer.Ordinal) { "open", "resume", "interval", "records" };

    /// <summary>The id of the writer (one <c>AuditLog</c>) that signed; null in heads written before writers had ids.</summary>
    internal string? Writer { get; init; }

    /// <summary>The signing interval of that writer in milliseconds (it signs at most this long after a record); null when not said.</summary>
    internal long? EveryMs { get; init; }

    /// <summary>Signs a head with <paramref name="key"/>.</summary>
    internal static AuditSignedHead Create(long seq, string hash, string file, DateTimeOffset ts, string reason, IReadOnlyList<(long From, long To)> ranges, AuditSigningKey key, string? writer = null, long? everyMs = null)
    {
        var unsigned = new AuditSignedHead(seq, hash, file, ts, reason, ranges, key.KeyId, string.Empty) { Writer = writer, EveryMs = everyMs };
        return unsigned with { Signature = Convert.ToBase64String(key.Sign(unsigned.Canonical(includeSignature: false))) };
    }

    /// <summary>The line as written (canonical JSON with <c>sig</c> last), without the newline.</summary>
    public string ToLine() => System.Text.Encoding.UTF8.GetString(Canonical(includeSignature: true));

    /// <summary>True when <see cref="Signature"/> verifies with <paramref name="key"/> and the key ids agree.</summary>
    /// <param name="key">The audit signing key (public part is enough).</param>
    public bool VerifiesWith(AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (KeyId != key.KeyId)
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[256];
        return Convert.TryFromBase64String(Signature, signature, out var length) && key.Verify(Canonical(includeSignature: false), signature[..length]);
    }

    /// <summary>Parses one line of <c>heads.jsonl</c> (or an exported anchor); null with a reason when it is not one.</summary>
    /// <param name="line">The JSON text.</param>
    /// <param name="problem">What is wrong.</param>
    public static AuditSignedHead? TryParse(string line, out string? problem)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var ranges = new List<(long, long)>();
            foreach (var pair in root.GetProperty("ranges").EnumerateArray())
            {
                ranges.Add((pair[0].GetInt64(), pair[1].GetInt64()));
            }

            var head = new AuditSignedHead(
                root.GetProperty("seq").GetInt64(),
                root.GetProperty("hash").GetString()!,
                root.GetProperty("file").GetString()!,
                DateTimeOffset.ParseExact(root.GetProperty("ts").GetString()!, AuditRecordFormat.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                root.GetProperty("reason").GetString()!,
                ranges,
                root.GetProperty("key").GetString()!,
                root.GetProperty("sig").GetString()!)
            {
                Writer = root.TryGetProperty("writer", out var writer) ? writer.GetString() : null,
                EveryMs = root.TryGetProperty("every", out var every) ? every.GetInt64() : null,
            };
            problem = null;
            return head;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentNullException)
        {
            problem = "not a signed audit head (" + ex.Message.Split('.')[0] + ")";
            return null;
        }
    }

    private byte[] Canonical(bool includeSignature)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", 1);
            writer.WriteString("key", KeyId);
            writer.WriteString("ts", Ts.UtcDateTime.ToString(AuditRecordFormat.TimestampFormat, CultureInfo.InvariantCulture));
            writer.WriteString("reason", Reason);
            if (Writer is not null)
            {
                writer.WriteString("writer", Writer);
            }

            if (EveryMs is { } every)
            {
                writer.WriteNumber("every", every);
            }
            writer.WriteString("file", File);
            writer.WriteNumber("seq", Seq);
            writer.WriteString("hash", Hash);
            writer.WriteStartArray("ranges");
            foreach (var (from, to) in Ranges)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue(from);
                writer.WriteNumberValue(to);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            if (includeSignature)
            {
                writer.WriteString("sig", Signature);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
