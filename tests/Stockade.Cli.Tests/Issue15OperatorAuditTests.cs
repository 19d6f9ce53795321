using System.Text.Json;
using Stockade.Analysis.Signing;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 15 through the command line, audit before act for every operator command as for grants: when the audit record
/// of install, uninstall, enable, disable or trust cannot be written, the command exits 8 with a clear message, no
/// stack trace, and nothing was changed in the home.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15OperatorAuditTests : IDisposable
{
    private const string Notes = "samples.notes";
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private string Home => _home.Path;

    [Fact]
    public async Task Install_AuditLogCannotBeWritten_ExitsEight_NothingInstalled()
    {
        (await CliRunner.RunAsync("list", "--home", Home)).ExitCode.ShouldBe(0);

        var install = await Blocked(() => CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--grant", "all", "--yes", "--home", Home));

        ShouldBeRefused(install, "nothing was installed");
        (await ListAsync()).ShouldBeEmpty("the plugin was installed without its audit record");
        Directory.Exists(Path.Combine(Home, "plugins", Notes)).ShouldBeFalse("the copy was left in the home");
    }

    [Fact]
    public async Task Uninstall_AuditLogCannotBeWritten_ExitsEight_StillInstalled()
    {
        await InstallAsync();

        var uninstall = await Blocked(() => CliRunner.RunAsync("uninstall", Notes, "--home", Home));

        ShouldBeRefused(uninstall, "nothing was uninstalled");
        (await ListAsync()).Select(p => p.GetProperty("id").GetString()).ShouldBe([Notes]);
        var permissions = await CliRunner.RunAsync("permissions", Notes, "--home", Home);
        permissions.ExitCode.ShouldBe(0, permissions.Stderr); // its installed copy and grants are still there
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("enable")]
    public async Task SetEnabled_AuditLogCannotBeWritten_ExitsEight_Unchanged(string command)
    {
        await InstallAsync();
        if (command == "enable")
        {
            (await CliRunner.RunAsync("disable", Notes, "--home", Home)).ExitCode.ShouldBe(0);
        }

        var result = await Blocked(() => CliRunner.RunAsync(command, Notes, "--home", Home));

        ShouldBeRefused(result, $"nothing was {command}d");
        (await ListAsync()).Single().GetProperty("enabled").GetBoolean().ShouldBe(command == "disable", $"the plugin was {command}d without its audit record");
    }

    [Fact]
    public async Task TrustAdd_AuditLogCannotBeWritten_ExitsEight_KeyNotTrusted()
    {
        (await CliRunner.RunAsync("list", "--home", Home)).ExitCode.ShouldBe(0);
        var key = PackageSigner.GenerateKey(Path.Combine(Home, "signer"));

        var trust = await Blocked(() => CliRunner.RunAsync("trust", "add", key.PublicKeyPath, "--home", Home));

        ShouldBeRefused(trust, "nothing was trusted");
        var list = await CliRunner.RunAsync("trust", "list", "--json", "--home", Home);
        JsonDocument.Parse(list.Stdout).RootElement.GetArrayLength().ShouldBe(0, "a key was trusted without its audit record");
    }

    [Fact]
    public async Task OperatorCommands_AuditLogWritable_BehaveAsBefore()
    {
        var key = PackageSigner.GenerateKey(Path.Combine(Home, "signer"));
        var trust = await CliRunner.RunAsync("trust", "add", key.PublicKeyPath, "--name", "signer", "--home", Home);
        trust.ExitCode.ShouldBe(0, trust.Stderr);
        trust.Stdout.ShouldContain($"trusted key {key.KeyId}");
        var keys = await CliRunner.RunAsync("trust", "list", "--json", "--home", Home);
        var listed = JsonDocument.Parse(keys.Stdout).RootElement.EnumerateArray().Single();
        listed.GetProperty("keyId").GetString().ShouldBe(key.KeyId);
        listed.GetProperty("name").GetString().ShouldBe("signer");

        await InstallAsync();
        var plugin = (await ListAsync()).Single();
        plugin.GetProperty("id").GetString().ShouldBe(Notes);
        plugin.GetProperty("filesHash").GetString().ShouldNotBeNullOrEmpty();
        (await CliRunner.RunAsync("disable", Notes, "--home", Home)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("enable", Notes, "--home", Home)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("uninstall", Notes, "--home", Home)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("trust", "remove", key.KeyId, "--home", Home)).ExitCode.ShouldBe(0);
        var again = await CliRunner.RunAsync("trust", "remove", key.KeyId, "--home", Home);
        again.ExitCode.ShouldBe(1);
        again.Stderr.ShouldContain("no trusted key");

        var audit = await CliRunner.RunAsync("audit", "--json", "--home", Home);
        audit.ExitCode.ShouldBe(0, audit.Stderr);
        foreach (var action in new[] { "trust.added", "plugin.installed", "plugin.disabled", "plugin.enabled", "plugin.uninstalled", "trust.removed" })
        {
            audit.Stdout.ShouldContain($"\"{action}\"");
        }
    }

    private static void ShouldBeRefused(CliResult result, string what)
    {
        result.ExitCode.ShouldBe(8, result.Stdout + result.Stderr);
        result.Stderr.ShouldContain(what);
        result.Stderr.ShouldContain("its audit record could not be written");
        result.Stderr.ShouldNotContain("internal error");
        result.Stderr.ShouldNotContain("   at ");
    }

    // Today's audit file cannot be written while the command runs: a folder stands in its way.
    private async Task<CliResult> Blocked(Func<Task<CliResult>> run)
    {
        var today = Path.Combine(Home, "audit", $"audit-{DateTime.UtcNow:yyyy-MM-dd}.jsonl");
        var saved = today + ".saved";
        if (File.Exists(today))
        {
            File.Move(today, saved);
        }

        Directory.CreateDirectory(today);
        try
        {
            return await run();
        }
        finally
        {
            Directory.Delete(today);
            if (File.Exists(saved))
            {
                File.Move(saved, today);
            }
        }
    }

    private async Task InstallAsync()
    {
        var install = await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--grant", "all", "--yes", "--home", Home);
        install.ExitCode.ShouldBe(0, install.Stderr);
    }

    private async Task<List<JsonElement>> ListAsync()
    {
        var list = await CliRunner.RunAsync("list", "--json", "--home", Home);
        list.ExitCode.ShouldBe(0, list.Stderr);
        return [.. JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
