using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.Audit;

/// <summary>
/// Issue 15, tampering: every field of a schema version 2 record is covered by its hash. A real writer (signed heads,
/// store head) writes five records; one field of one record in the middle is changed on disk, as an attacker with write
/// access to the audit folder would; the full verify (<c>stockade audit verify</c>'s options) must fail naming that file
/// and line. The same edit with the record's hash recomputed must still fail, at that record or the next one.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15RecordFieldTamperTests : IDisposable
{
    // Line 3 has every field set (plugin, permission, resource, details); line 4 has them null or empty.
    private const int Full = 3;
    private const int Sparse = 4;

    private static readonly JsonSerializerOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    private readonly TempDirectory _home = new();
    private readonly TempDirectory _keys = new();

    private string AuditDir => _home.Combine("audit");

    private string KeyPath => _keys.Combine("audit-signing.pem");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _home.Dispose();
        _keys.Dispose();
    }

    /// <summary>Each case: the line edited, and an edit that leaves well-formed JSON (for most, a well-formed record).</summary>
    public static TheoryData<string, int> Edits() => new()
    {
        { "v removed (the line posing as schema version 1)", Full },
        { "v 2 -> 1", Full },
        { "v 2 -> 3", Full },
        { "seq +1", Full },
        { "seq -1", Full },
        { "ts +100 ns", Full },
        { "action", Full },
        { "plugin changed", Full },
        { "plugin -> null", Full },
        { "decision", Full },
        { "layer", Full },
        { "permission changed", Full },
        { "permission -> null", Full },
        { "resource changed", Full },
        { "resource -> null", Full },
        { "details value", Full },
        { "details key renamed", Full },
        { "details key added", Full },
        { "details emptied", Full },
        { "prev one digit", Full },
        { "prev -> genesis", Full },
        { "hash one digit", Full },
        { "key added", Full },
        { "null plugin -> set", Sparse },
        { "null permission -> set", Sparse },
        { "null resource -> set", Sparse },
        { "empty details -> key added", Sparse },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public async Task FieldEdited_FailsVerify_NamingFileAndLine(string edit, int line)
    {
        using var store = new StockadeStore(_home.Path);
        var file = await WriteGenuineAsync(store);
        var name = Path.GetFileName(file);
        Verify(store).Ok.ShouldBeTrue("the untouched log must verify");
        var lines = File.ReadAllLines(file);
        var original = lines[line - 1];
        var record = JsonNode.Parse(original)!.AsObject();
        record.ToJsonString(Canonical).ShouldBe(original, "the test's JSON round trip must reproduce the line byte for byte, or the edit below proves nothing");

        Apply(edit, record);
        var edited = record.ToJsonString(Canonical);
        edited.ShouldNotBe(original, $"the edit '{edit}' changed nothing");
        lines[line - 1] = edited;
        File.WriteAllLines(file, lines);

        var result = Verify(store);

        result.Ok.ShouldBeFalse($"'{edit}' on {name} line {line} passed verify:\n{edited}");
        (result.File, result.Line).ShouldBe((name, line), result.Problem);
        result.Problem!.ShouldStartWith($"{name} line {line}: ");
    }

    [Theory]
    [MemberData(nameof(Edits))]
    public async Task FieldEdited_AndHashRecomputed_StillFailsVerify_AtThatRecordOrTheNext(string edit, int line)
    {
        using var store = new StockadeStore(_home.Path);
        var file = await WriteGenuineAsync(store);
        var name = Path.GetFileName(file);
        var lines = File.ReadAllLines(file);
        var original = lines[line - 1];
        var record = JsonNode.Parse(original)!.AsObject();

        Apply(edit, record);
        var edited = Rehash(record);
        if (edit.StartsWith("hash", StringComparison.Ordinal))
        {
            edited.ShouldBe(original); // recomputing the hash undoes that edit: nothing to check
            return;
        }

        edited.ShouldNotBe(original, $"the edit '{edit}' changed nothing");
        lines[line - 1] = edited;
        File.WriteAllLines(file, lines);

        var result = Verify(store);

        result.Ok.ShouldBeFalse($"'{edit}' with a recomputed hash on {name} line {line} passed verify:\n{edited}");
        result.File.ShouldBe(name, result.Problem);
        result.Line.ShouldNotBeNull().ShouldBeInRange(line, line + 1, result.Problem);
    }

    private static void Apply(string edit, JsonObject record)
    {
        switch (edit)
        {
            case "v removed (the line posing as schema version 1)": record.Remove("v").ShouldBeTrue(); break;
            case "v 2 -> 1": record["v"] = 1; break;
            case "v 2 -> 3": record["v"] = 3; break;
            case "seq +1": record["seq"] = (long)record["seq"]! + 1; break;
            case "seq -1": record["seq"] = (long)record["seq"]! - 1; break;
            case "ts +100 ns":
                var ts = DateTimeOffset.ParseExact((string)record["ts"]!, AuditRecordFormat.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
                record["ts"] = ts.AddTicks(1).UtcDateTime.ToString(AuditRecordFormat.TimestampFormat, CultureInfo.InvariantCulture);
                break;
            case "action": record["action"] = AuditActions.FileWrite; break;
            case "plugin changed": record["plugin"] = "com.example.evil"; break;
            case "plugin -> null": record["plugin"] = null; break;
            case "decision": record["decision"] = "deny"; break;
            case "layer": record["layer"] = "kernel"; break;
            case "permission changed": record["permission"] = "file:write=/**"; break;
            case "permission -> null": record["permission"] = null; break;
            case "resource changed": record["resource"] = "/etc/shadow"; break;
            case "resource -> null": record["resource"] = null; break;
            case "details value": record["details"]!["i"] = "99"; break;
            case "details key renamed": record["details"] = new JsonObject { ["j"] = (string)record["details"]!["i"]! }; break;
            case "details key added": record["details"]!["z"] = "1"; break;
            case "details emptied": record["details"] = new JsonObject(); break;
            case "prev one digit": record["prev"] = FlipFirstDigit((string)record["prev"]!); break;
            case "prev -> genesis": record["prev"] = AuditRecordFormat.GenesisHash; break;
            case "hash one digit": record["hash"] = FlipFirstDigit((string)record["hash"]!); break;
            case "key added": record["note"] = "harmless?"; break;
            case "null plugin -> set": record["plugin"].ShouldBeNull(); record["plugin"] = "com.example.evil"; break;
            case "null permission -> set": record["permission"].ShouldBeNull(); record["permission"] = "network:request=*"; break;
            case "null resource -> set": record["resource"].ShouldBeNull(); record["resource"] = "/etc/shadow"; break;
            case "empty details -> key added": record["details"]!.AsObject().Count.ShouldBe(0); record["details"]!["by"] = "root"; break;
            default: throw new ArgumentOutOfRangeException(nameof(edit), edit, "unknown edit");
        }
    }

    private static string FlipFirstDigit(string hex) => (hex[0] == '0' ? '1' : '0') + hex[1..];

    // hash = SHA-256 of the object without "hash", keys in their order (docs/audit.md), then "hash" last again.
    private static string Rehash(JsonObject record)
    {
        var body = new JsonObject();
        foreach (var (key, value) in record)
        {
            if (key != "hash")
            {
                body[key] = value?.DeepClone();
            }
        }

        body["hash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body.ToJsonString(Canonical))));
        return body.ToJsonString(Canonical);
    }

    private async Task<string> WriteGenuineAsync(StockadeStore store)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
        await using (var log = new AuditLog(new AuditLogOptions { Directory = AuditDir, SigningKeyPath = KeyPath }, store, time))
        {
            await log.AppendAsync(AuditTestData.Entry(0));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await log.AppendAsync(AuditTestData.Entry(1));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await log.AppendAsync(AuditTestData.Entry(2));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await log.AppendAsync(new AuditEntry(AuditActions.PluginStarted, AuditDecision.Info, AuditLayer.Host));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await log.AppendAsync(AuditTestData.Entry(4));
        }

        return Directory.GetFiles(AuditDir, "audit-*.jsonl").ShouldHaveSingleItem();
    }

    private AuditVerifyResult Verify(StockadeStore store) =>
        AuditVerifier.Verify(AuditDir, new AuditVerifyOptions
        {
            StoreHead = store.Read(),
            RequireStoreHead = true,
            Key = AuditSigningKey.Load(KeyPath),
            WriterOpen = AuditLog.IsOpenByAWriter(AuditDir),
        });
}
