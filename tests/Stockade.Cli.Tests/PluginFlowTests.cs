using System.Text.Json;

namespace Stockade.Cli.Tests;

/// <summary>The install → run → revoke → audit flow with real workers, real SQLite and real audit files.</summary>
public sealed class PluginFlowTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task InstallRunRevokeAudit_FreshHome_BehavesAsAPersonExpects()
    {
        var home = _home.Path;
        var install = await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--grant", "all", "--yes", "--home", home);
        install.ExitCode.ShouldBe(0, install.Stderr);
        install.Stdout.ShouldContain("installed");

        var notes = Path.Combine(home, "config", "notes");
        Directory.CreateDirectory(notes);
        await File.WriteAllTextAsync(Path.Combine(notes, "a.txt"), "hello notes");

        var run = await CliRunner.RunAsync("run", "samples.notes", "read", "--input", """{"name":"a.txt"}""", "--json", "--home", home);
        run.ExitCode.ShouldBe(0, run.Stderr);
        using (var doc = JsonDocument.Parse(run.Stdout))
        {
            doc.RootElement.GetProperty("result").GetProperty("text").GetString().ShouldBe("hello notes");
            doc.RootElement.GetProperty("level").GetString().ShouldBe("sandboxed");
        }

        var list = await CliRunner.RunAsync("list", "--json", "--home", home);
        list.Stdout.ShouldContain("samples.notes");

        var revoke = await CliRunner.RunAsync("revoke", "samples.notes", "file:read=$CONFIG/notes/**", "--home", home);
        revoke.ExitCode.ShouldBe(0, revoke.Stderr);

        var denied = await CliRunner.RunAsync("run", "samples.notes", "read", "--input", """{"name":"a.txt"}""", "--home", home);
        denied.ExitCode.ShouldBe(3, denied.Stderr);
        denied.Stderr.ShouldContain("stockade grant samples.notes 'file:read=$CONFIG/notes/**'"); // the declared pattern (issue 18)

        var audit = await CliRunner.RunAsync("audit", "--plugin", "samples.notes", "--json", "--home", home);
        audit.ExitCode.ShouldBe(0);
        using (var doc = JsonDocument.Parse(audit.Stdout))
        {
            var actions = doc.RootElement.EnumerateArray().Select(r => r.GetProperty("action").GetString()).ToList();
            actions.ShouldContain("plugin.installed");
            actions.ShouldContain("permission.revoked");
            actions.ShouldContain("file.read");
        }

        (await CliRunner.RunAsync("audit", "verify", "--home", home)).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Grant_WiderThanDeclared_IsRefusedAndStoreUnchanged()
    {
        var home = _home.Path;
        (await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--yes", "--home", home)).ExitCode.ShouldBe(0);
        var before = await CliRunner.RunAsync("permissions", "samples.notes", "--json", "--home", home);

        var grant = await CliRunner.RunAsync("grant", "samples.notes", "file:read=/etc/**", "--home", home);

        grant.ExitCode.ShouldBe(2);
        grant.Stderr.ShouldContain("wider");
        (await CliRunner.RunAsync("permissions", "samples.notes", "--json", "--home", home)).Stdout.ShouldBe(before.Stdout);
    }

    [Fact]
    public async Task Grant_UnknownPluginOrMalformedPermission_ClearMessages()
    {
        var home = _home.Path;
        var unknown = await CliRunner.RunAsync("grant", "nobody.here", "file:read=/x", "--home", home);
        unknown.ExitCode.ShouldBe(1);
        unknown.Stderr.ShouldContain("nobody.here");

        (await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--yes", "--home", home)).ExitCode.ShouldBe(0);
        var malformed = await CliRunner.RunAsync("grant", "samples.notes", "fiel:read=/x", "--home", home);
        malformed.ExitCode.ShouldNotBe(0);
        malformed.Stderr.ShouldContain("file");
    }

    [Fact]
    public async Task AuditVerify_EditedRecord_ExitsEightAndNamesThePlace()
    {
        var home = _home.Path;
        (await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--grant", "all", "--yes", "--home", home)).ExitCode.ShouldBe(0);
        var file = Directory.GetFiles(Path.Combine(home, "audit"), "audit-*.jsonl").Single();
        var lines = await File.ReadAllLinesAsync(file);
        lines[0].ShouldContain("samples.notes");
        lines[0] = lines[0].Replace("samples.notes", "samples.notez", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(file, lines);

        var verify = await CliRunner.RunAsync("audit", "verify", "--home", home);

        verify.ExitCode.ShouldBe(8);
        verify.Stderr.ShouldContain(Path.GetFileName(file));
        verify.Stderr.ShouldContain("line 1");
    }

    [Fact]
    public async Task Run_HangingPlugin_ExitsFourAfterItsTimeout()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-csharp"), "hang", "--home", _home.Path);

        result.ExitCode.ShouldBe(4, result.Stderr);
        result.Stderr.ShouldContain("did not finish 'hang' within 3 s");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Run_ThrowingPlugin_ExitsSixWithThePluginsMessage()
    {
        var result = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-csharp"), "throw", "--home", _home.Path);

        result.ExitCode.ShouldBe(6);
        result.Stderr.ShouldContain("the hello sample throws on request");
        result.Stderr.ShouldContain("System.InvalidOperationException");
    }
}
