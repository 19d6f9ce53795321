using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 15, "tampering": an attacker who can write the audit folder and the store, against <c>stockade audit
/// verify</c> run as an operator would. Appended forgeries with a recomputed SHA-256 (and the stored head moved
/// to them) must fail verify — today they pass, and the next genuine write chains onto them; a missing head must
/// fail verify, not read "chain and head verified"; a zero-length <c>stockade.db</c> is an integrity error
/// (exit 8) and stays zero-length, never a silent new home; an edited record fails, naming its file and line.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15HostileTamperingTests : IDisposable
{
    private const int IntegrityFailure = 8;
    private const string Plugin = "samples.hello-python";

    private static readonly JsonSerializerOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    private readonly TempHome _home = new();

    private string Home => _home.Path;

    private string AuditFolder => Path.Combine(Home, "audit");

    private string Database => Path.Combine(Home, "stockade.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _home.Dispose();
    }

    [Fact]
    public async Task Verify_AppendedForgeryWithRecomputedHashAndMovedHead_FailsWithExit8()
    {
        await MakeHistoryAsync();

        _ = AppendForgery(moveHead: true);

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        verify.ExitCode.ShouldBe(IntegrityFailure, $"an appended forgery with a recomputed hash passed verify:\n{verify.Stdout}{verify.Stderr}");
    }

    [Fact]
    public async Task Verify_AppendedForgeryWithoutMovingHead_FailsOrNamesTheRecordItCannotVouchFor()
    {
        await MakeHistoryAsync();

        var seq = AppendForgery(moveHead: false);

        // Records past the head can also be a writer that died before storing its head, so verify may either fail or
        // pass while saying exactly which records it could not vouch for; it may not call them verified.
        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        var named = System.Text.RegularExpressions.Regex.IsMatch(verify.Stdout + verify.Stderr, $@"(seq|records?)\s*#?{seq}\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        (verify.ExitCode == IntegrityFailure || named).ShouldBeTrue($"a record past the stored head (seq {seq}) was reported as verified:\n{verify.Stdout}{verify.Stderr}");
    }

    [Fact]
    public async Task Verify_AppendedForgeryThenGenuineWrite_StillFails_TheGenuineWriteDoesNotLaunderIt()
    {
        await MakeHistoryAsync();
        _ = AppendForgery(moveHead: true);

        (await CliRunner.RunAsync("uninstall", Plugin, "--home", Home)).ExitCode.ShouldBeOneOf(0, IntegrityFailure);

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        verify.ExitCode.ShouldBe(IntegrityFailure, $"a genuine write chained onto the forgery and laundered it:\n{verify.Stdout}{verify.Stderr}");
    }

    [Fact]
    public async Task Verify_RewrittenChainFromTheMiddleWithValidHashesAndHead_FailsWithExit8()
    {
        await MakeHistoryAsync();
        var file = NewestFile();
        var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
        lines.Count.ShouldBeGreaterThanOrEqualTo(3);

        // Change the middle record's action and recompute every hash after it, then move the head: an unkeyed chain cannot tell.
        var middle = lines.Count / 2;
        var previous = (string)JsonNode.Parse(lines[middle - 1])!["hash"]!;
        for (var i = middle; i < lines.Count; i++)
        {
            var node = JsonNode.Parse(lines[i])!.AsObject();
            if (i == middle)
            {
                node["action"] = "plugin.enabled";
            }

            node["prev"] = previous;
            lines[i] = Rehash(node);
            previous = (string)JsonNode.Parse(lines[i])!["hash"]!;
        }

        File.WriteAllText(file, string.Join('\n', lines) + "\n");
        var last = JsonNode.Parse(lines[^1])!;
        SetHead((long)last["seq"]!, (string)last["hash"]!);

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        verify.ExitCode.ShouldBe(IntegrityFailure, $"a chain rewritten with valid hashes and a moved head passed verify:\n{verify.Stdout}{verify.Stderr}");
    }

    [Fact]
    public async Task Verify_HeadRemovedFromStore_FailsSayingTheHeadIsMissing()
    {
        await MakeHistoryAsync();

        Execute("DELETE FROM audit_head");

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        verify.ExitCode.ShouldBe(IntegrityFailure, $"verify passed with no head to compare against:\n{verify.Stdout}{verify.Stderr}");
        verify.Stdout.ShouldNotContain("head verified");
        (verify.Stdout + verify.Stderr).ShouldContain("head", Case.Insensitive);
    }

    [Fact]
    public async Task ZeroLengthStore_IsIntegrityErrorExit8_NotASilentNewHome()
    {
        await MakeHistoryAsync();
        SqliteConnection.ClearAllPools();
        foreach (var side in new[] { "-wal", "-shm" })
        {
            File.Delete(Database + side);
        }

        File.WriteAllBytes(Database, []);

        var list = await CliRunner.RunAsync("list", "--home", Home);
        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);

        list.ExitCode.ShouldBe(IntegrityFailure, $"a zero-length stockade.db was read as an empty home:\n{list.Stdout}{list.Stderr}");
        list.Stderr.ShouldNotContain("   at ", Case.Sensitive, "a stack trace reached the user");
        verify.ExitCode.ShouldBe(IntegrityFailure, $"verify of a home whose store is empty:\n{verify.Stdout}{verify.Stderr}");
        new FileInfo(Database).Length.ShouldBe(0, "the damaged store was replaced by a new one (the evidence is gone)");
    }

    [Fact]
    public async Task Verify_RecordEditedInTheMiddle_FailsWithExit8()
    {
        await MakeHistoryAsync();
        var file = NewestFile();
        var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
        lines.Count.ShouldBeGreaterThanOrEqualTo(3);
        var middle = lines.Count / 2;

        // Edit a hashed field of a real record (not a line of heads.jsonl, not text that happens to be absent), and make
        // sure the line really changed: a no-op edit would pass verify and prove nothing.
        var record = JsonNode.Parse(lines[middle])!.AsObject();
        (record.ContainsKey("action") && record.ContainsKey("prev")).ShouldBeTrue($"{Path.GetFileName(file)} line {middle + 1} is not an audit record: {lines[middle]}");
        var action = (string)record["action"]!;
        var edited = lines[middle].Replace($"\"action\":\"{action}\"", $"\"action\":\"{(action == "plugin.enabled" ? "plugin.disabled" : "plugin.enabled")}\"", StringComparison.Ordinal);
        edited.ShouldNotBe(lines[middle], "the edit did not change the record");
        lines[middle] = edited;
        File.WriteAllText(file, string.Join('\n', lines) + "\n");

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);

        verify.ExitCode.ShouldBe(IntegrityFailure, $"{verify.Stdout}{verify.Stderr}");
        verify.Stderr.ShouldContain($"{Path.GetFileName(file)} line {middle + 1}", Case.Sensitive, "verify must name the file and line of the edited record");
    }

    /// <summary>A few genuine records written by the CLI, and an intact chain to start from.</summary>
    private async Task MakeHistoryAsync()
    {
        var sample = CliRunner.Sample("plugins/hello-python");
        (await CliRunner.RunAsync("install", sample, "--yes", "--home", Home)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("uninstall", Plugin, "--home", Home)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("install", sample, "--yes", "--home", Home)).ExitCode.ShouldBe(0);
        var intact = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        intact.ExitCode.ShouldBe(0, $"the untouched log does not verify:\n{intact.Stdout}{intact.Stderr}");
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Appends a forged grant that chains onto the last record, its SHA-256 recomputed as the format says; returns its seq.</summary>
    private long AppendForgery(bool moveHead)
    {
        var file = NewestFile();
        var last = JsonNode.Parse(File.ReadAllLines(file).Last(l => l.Length > 0))!.AsObject();
        var forged = JsonNode.Parse(last.ToJsonString())!.AsObject();
        var seq = (long)last["seq"]! + 1;
        forged["seq"] = seq;
        forged["action"] = "permission.granted";
        forged["plugin"] = Plugin;
        forged["decision"] = "allow";
        forged["layer"] = "cli";
        forged["permission"] = "file:write=/**";
        forged["resource"] = null;
        forged["details"] = new JsonObject { ["by"] = "root" };
        forged["prev"] = (string)last["hash"]!;
        var line = Rehash(forged);
        File.AppendAllText(file, line + "\n");
        if (moveHead)
        {
            SetHead(seq, (string)JsonNode.Parse(line)!["hash"]!);
        }

        return seq;
    }

    /// <summary>The record with <c>hash</c> = SHA-256 of its canonical form without <c>hash</c> (docs/audit.md), key order kept.</summary>
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

        var text = body.ToJsonString(Canonical);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        body["hash"] = hash;
        return body.ToJsonString(Canonical);
    }

    private string NewestFile() => Directory.GetFiles(AuditFolder, "audit-*.jsonl").Order(StringComparer.Ordinal).Last();

    private void SetHead(long seq, string hash) =>
        Execute("UPDATE audit_head SET seq = $seq, hash = $hash", ("$seq", seq), ("$hash", hash));

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using (var connection = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
    }
}
