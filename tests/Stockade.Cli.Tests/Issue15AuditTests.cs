using System.Buffers;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 15 through the command line: a damaged or empty store is exit 8 with the recovery steps, `audit verify` finds
/// forged records appended with a recomputed hash and a removed head, says what it compared, and checks an anchor;
/// a grant the audit log cannot record fails with a clear message.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15AuditTests : IDisposable
{
    private const string Notes = "samples.notes";
    private const string NotesPermission = "file:read=$CONFIG/notes/**";
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private string Home => _home.Path;

    private string AuditDir => Path.Combine(Home, "audit");

    [Fact]
    public async Task ZeroLengthStore_ExitsEight_WithTheRecoverySteps()
    {
        await File.WriteAllBytesAsync(Path.Combine(Home, "stockade.db"), []);

        var list = await CliRunner.RunAsync("list", "--home", Home);
        list.ExitCode.ShouldBe(8, list.Stderr);
        list.Stderr.ShouldContain("is empty");
        list.Stderr.ShouldContain("restore stockade.db from a backup");
        list.Stderr.ShouldNotContain("internal error");

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        verify.ExitCode.ShouldBe(8, verify.Stderr);
        new FileInfo(Path.Combine(Home, "stockade.db")).Length.ShouldBe(0); // never silently a new home
    }

    [Fact]
    public async Task DamagedStore_ExitsEight()
    {
        await File.WriteAllTextAsync(Path.Combine(Home, "stockade.db"), new string('#', 4096));

        var list = await CliRunner.RunAsync("list", "--home", Home);

        list.ExitCode.ShouldBe(8, list.Stderr);
        list.Stderr.ShouldContain("damaged");
    }

    [Fact]
    public async Task Verify_IntactLog_SaysWhatItCompared()
    {
        await InstallAsync();

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);

        verify.ExitCode.ShouldBe(0, verify.Stderr);
        verify.Stdout.ShouldContain("audit log intact");
        verify.Stdout.ShouldContain("stockade.db head: seq");
        verify.Stdout.ShouldContain("signed head(s) in heads.jsonl");
        verify.Stdout.ShouldContain("last signed head: record");
        verify.Stdout.ShouldContain("unsigned tail: none");
    }

    [Fact]
    public async Task Verify_ForgedRecordAppendedWithRecomputedHash_ExitsEight_NamingIt()
    {
        await InstallAsync();
        var (file, line, seq) = AppendForgery();

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);

        verify.ExitCode.ShouldBe(8, verify.Stdout);
        verify.Stderr.ShouldContain($"record {seq} is covered by no signed head");
        verify.Stderr.ShouldContain($"{Path.GetFileName(file)} line {line}");

        // The next genuine write chains onto the forgery; it is still named.
        (await CliRunner.RunAsync("revoke", Notes, NotesPermission, "--home", Home)).ExitCode.ShouldBe(0);
        var after = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        after.ExitCode.ShouldBe(8);
        after.Stderr.ShouldContain($"record {seq} is covered by no signed head although later records are signed");
    }

    [Fact]
    public async Task Verify_HeadsDeleted_ExitsEight()
    {
        await InstallAsync();
        File.Delete(Path.Combine(AuditDir, "heads.jsonl"));

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);

        verify.ExitCode.ShouldBe(8);
        verify.Stderr.ShouldContain("holds no signed head");
    }

    [Fact]
    public async Task Verify_StoreHeadDeleted_ExitsEight()
    {
        await InstallAsync();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Home, "stockade.db")};Pooling=false"))
        {
            connection.Open();
            using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM audit_head";
            delete.ExecuteNonQuery();
        }

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);

        verify.ExitCode.ShouldBe(8);
        verify.Stderr.ShouldContain("stockade.db has no audit head");
    }

    [Fact]
    public async Task Anchor_ExportedThenCheckedByVerify()
    {
        await InstallAsync();
        var anchor = await CliRunner.RunAsync("audit", "anchor", "--home", Home);
        anchor.ExitCode.ShouldBe(0, anchor.Stderr);
        var anchorFile = Path.Combine(Home, "..", Path.GetFileName(Home) + "-anchor.json");
        await File.WriteAllTextAsync(anchorFile, anchor.Stdout);
        try
        {
            anchor.Stdout.ShouldContain("\"sig\":");
            (await CliRunner.RunAsync("audit", "verify", "--anchor", anchorFile, "--home", Home)).ExitCode.ShouldBe(0);

            // The log is replaced by a shorter one: the anchor kept elsewhere tells.
            foreach (var file in Directory.GetFiles(AuditDir, "audit-*.jsonl"))
            {
                File.WriteAllText(file, string.Empty);
            }

            File.Delete(Path.Combine(AuditDir, "heads.jsonl"));
            var verify = await CliRunner.RunAsync("audit", "verify", "--anchor", anchorFile, "--home", Home);
            verify.ExitCode.ShouldBe(8);
        }
        finally
        {
            File.Delete(anchorFile);
        }
    }

    [Fact]
    public async Task Grant_AuditLogCannotBeWritten_FailsWithAClearMessage()
    {
        (await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--yes", "--home", Home)).ExitCode.ShouldBe(0);

        // Today's audit file cannot be written: a folder stands in its way.
        var today = Path.Combine(AuditDir, $"audit-{DateTime.UtcNow:yyyy-MM-dd}.jsonl");
        File.Delete(today);
        Directory.CreateDirectory(today);

        var grant = await CliRunner.RunAsync("grant", Notes, NotesPermission, "--home", Home);

        grant.ExitCode.ShouldBe(8, grant.Stdout + grant.Stderr);
        grant.Stderr.ShouldContain("its audit record could not be written");
        grant.Stderr.ShouldNotContain("internal error");
        grant.Stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task AcknowledgeTail_UnsignedRecordsLeftByADeadWriter_VerifyPassesAfter_AndSaysWhoVouched()
    {
        await InstallAsync();
        var (_, _, first) = AppendForgery(); // what a writer killed before its next head leaves looks exactly like this
        var (_, _, last) = AppendForgery();

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        verify.ExitCode.ShouldBe(8, verify.Stdout);
        verify.Stderr.ShouldContain($"stockade audit acknowledge-tail {first}-{last}");

        // Refused without a reason, for another span, and without a terminal or --yes: nothing is signed.
        var noReason = await CliRunner.RunAsync("audit", "acknowledge-tail", $"{first}-{last}", "--yes", "--home", Home);
        noReason.ExitCode.ShouldBe(1, noReason.Stderr);
        noReason.Stderr.ShouldContain("--reason");
        var wrongSpan = await CliRunner.RunAsync("audit", "acknowledge-tail", $"{first}-{last + 5}", "--reason", "test", "--yes", "--home", Home);
        wrongSpan.ExitCode.ShouldBe(1, wrongSpan.Stderr);
        wrongSpan.Stderr.ShouldContain($"records {first}–{last} are the ones left unsigned");
        var unconfirmed = await CliRunner.RunAsync("audit", "acknowledge-tail", $"{first}-{last}", "--reason", "test", "--home", Home);
        unconfirmed.ExitCode.ShouldBe(1, unconfirmed.Stderr);
        unconfirmed.Stdout.ShouldContain("network:request=*"); // the records are shown before anything is asked
        (await CliRunner.RunAsync("audit", "verify", "--home", Home)).ExitCode.ShouldBe(8);
        var malformed = await CliRunner.RunAsync("audit", "acknowledge-tail", "7", "--reason", "x", "--yes", "--home", Home);
        malformed.ExitCode.ShouldBe(1);
        malformed.Stderr.ShouldContain("FROM-TO");

        var ack = await CliRunner.RunAsync("audit", "acknowledge-tail", $"{first}-{last}", "--reason", "host killed at 10:02", "--yes", "--home", Home);
        ack.ExitCode.ShouldBe(0, ack.Stdout + ack.Stderr);

        var after = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        after.ExitCode.ShouldBe(0, after.Stderr);
        after.Stdout.ShouldContain($"records {first}–{last} were left unsigned by a writer that stopped before signing them, and were acknowledged by an operator");
        var recorded = new AuditReader(AuditDir).Query(new AuditQuery { Action = "audit.unsigned_acknowledged" }).Single();
        recorded.Details!["reason"].ShouldBe("host killed at 10:02");
        recorded.Details["from"].ShouldBe(first.ToString(System.Globalization.CultureInfo.InvariantCulture));
        recorded.Seq.ShouldBeGreaterThan(last); // recorded after the span, by a writer that signs its own heads

        // Nothing to acknowledge now; and a forgery appended later is not covered by the acknowledgement.
        (await CliRunner.RunAsync("audit", "acknowledge-tail", $"{first}-{last}", "--reason", "again", "--yes", "--home", Home)).ExitCode.ShouldBe(1);
        var (_, _, later) = AppendForgery();
        var again = await CliRunner.RunAsync("audit", "verify", "--home", Home);
        again.ExitCode.ShouldBe(8);
        again.Stderr.ShouldContain($"record {later} is covered by no signed head");
    }

    [Fact]
    public async Task AcknowledgeTail_ChainBroken_IsNotMendedByAnAcknowledgement_ExitEight()
    {
        await InstallAsync();
        var file = Directory.GetFiles(AuditDir, "audit-*.jsonl").Order(StringComparer.Ordinal).Last();
        var lines = File.ReadAllLines(file);
        File.WriteAllLines(file, lines[..^1].Append(lines[^1].Replace("\"seq\":", "\"seq\": ", StringComparison.Ordinal)));

        var ack = await CliRunner.RunAsync("audit", "acknowledge-tail", "1-1", "--reason", "x", "--yes", "--home", Home);

        ack.ExitCode.ShouldBe(8, ack.Stdout + ack.Stderr);
        ack.Stderr.ShouldContain("another problem than unsigned records");
    }

    private async Task InstallAsync()
    {
        var install = await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--grant", "all", "--yes", "--home", Home);
        install.ExitCode.ShouldBe(0, install.Stderr);
    }

    // Someone who can write the audit folder and the store: a record chained and hashed like a genuine one, appended,
    // and the store's head moved onto it.
    private (string File, int Line, long Seq) AppendForgery()
    {
        var file = Directory.GetFiles(AuditDir, "audit-*.jsonl").Order(StringComparer.Ordinal).Last();
        var last = new AuditReader(AuditDir).Query(new AuditQuery { Limit = 1 }).Single();
        var buffer = new ArrayBufferWriter<byte>();
        var forged = AuditRecordFormat.Create(last.Seq + 1, last.Ts.AddMilliseconds(1), new AuditEntry(AuditActions.PermissionGranted, AuditDecision.Allow, AuditLayer.Cli) { Plugin = Notes, Permission = "network:request=*" }, last.Hash, buffer);
        using (var stream = new FileStream(file, FileMode.Append))
        {
            stream.Write(buffer.WrittenSpan);
        }

        using (var store = new StockadeStore(Home))
        {
            store.Write(new AuditHead(forged.Seq, forged.Hash));
        }

        return (file, File.ReadAllLines(file).Length, forged.Seq);
    }
}
