using System.Text.Json;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 18 item 4, install consent as a person meets it: one screen before anything is copied, the signature state
/// first, every permission in plain words grouped by what it reaches; the required ones all or nothing (declined, or
/// <c>--grant none</c>, means not installed, exit 3), each optional one chosen on its own, defaults that do not
/// decline what the plugin cannot run without. Interactive runs go through a real pseudo-terminal; non-interactive
/// ones (no terminal) keep installing with nothing asked.
/// </summary>
[Trait("Issue", "18")]
public sealed class Issue18InstallConsentTests : IDisposable
{
    private const int PermissionDenied = 3;
    private readonly TempHome _home = new();
    private readonly string _plugin = CliRunner.Sample("plugins/issue18-author-csharp");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Install_GrantNone_PluginWithRequiredPermissions_NotInstalled_ExitsThree()
    {
        var result = await CliRunner.RunAsync("install", _plugin, "--grant", "none", "--yes", "--home", _home.Path);

        result.ExitCode.ShouldBe(PermissionDenied, result.Stderr);
        result.Stderr.ShouldContain("was not installed");
        result.Stderr.ShouldContain("file:write=$PLUGIN_DATA/**");
        result.Stderr.ShouldContain("--grant none");
        await ShouldNotBeInstalledAsync();
    }

    [Fact]
    public async Task Install_GrantNone_Json_OneDocumentSayingPermissionDenied()
    {
        var result = await CliRunner.RunAsync("install", _plugin, "--grant", "none", "--json", "--home", _home.Path);

        result.ExitCode.ShouldBe(PermissionDenied);
        using var doc = JsonDocument.Parse(result.Stdout);
        doc.RootElement.GetProperty("ok").GetBoolean().ShouldBeFalse();
        doc.RootElement.GetProperty("error").GetProperty("code").GetString().ShouldBe("permission_denied");
        await ShouldNotBeInstalledAsync();
    }

    [Fact]
    public async Task Install_NoTerminal_Unchanged_InstallsAskingNothing_SaysWhatIsStillToGrant()
    {
        var notes = CliRunner.Sample("plugins/notes-csharp");

        var result = await CliRunner.RunAsync("install", notes, "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.ShouldNotContain("[y/n]");
        result.Stdout.ShouldContain("not ready");
        var advice = result.Stdout.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("stockade grant ", StringComparison.Ordinal));
        advice.ShouldBe($"stockade grant samples.notes 'file:read=$CONFIG/notes/**' --home {_home.Path}");
        var pasted = await CliRunner.RunAsync([.. Issue18AdviceTests.ShellWords(advice).Skip(1)]);
        pasted.ExitCode.ShouldBe(0, pasted.Stderr);
    }

    [Fact]
    public async Task Install_CiTrueOnATerminal_AsksNothing_InstallsWithNothingGranted()
    {
        var result = await Issue18Terminal.RunAsync([], ci: true, "install", _plugin, "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Screen);
        result.Screen.ShouldNotContain("[y/n]");
        (await PermissionsAsync()).Where(p => p.Key != "file:write=$PLUGIN_DATA/**").ShouldAllBe(p => p.Value == "not-granted");
    }

    [Fact]
    public async Task Install_RealProcess_NoStdin_AsksNothing_GrantNoneStillRefused()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "stockade.dll");

        var none = await RunWithoutStdinAsync(cli, "install", _plugin, "--grant", "none", "--home", _home.Path);
        none.ExitCode.ShouldBe(PermissionDenied, none.Stderr);
        none.Stderr.ShouldContain("was not installed");

        var plain = await RunWithoutStdinAsync(cli, "install", _plugin, "--home", _home.Path);
        plain.ExitCode.ShouldBe(0, plain.Stderr);
        plain.Stdout.ShouldNotContain("[y/n]");
        plain.Stdout.ShouldContain("installed");
    }

    [Fact]
    public async Task Install_NoTerminal_RequiredOnlyItsOwnFolder_NothingLeftToGrant()
    {
        var result = await CliRunner.RunAsync("install", _plugin, "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.ShouldNotContain("not ready", Case.Sensitive, "its own data folder is always granted");
        (await PermissionsAsync()).Where(p => p.Key != "file:write=$PLUGIN_DATA/**").ShouldAllBe(p => p.Value == "not-granted");
    }

    [Fact]
    public async Task Install_Terminal_DeclineRequired_NotInstalled_ExitsThree_SignatureShownFirst()
    {
        var result = await Issue18Terminal.RunAsync([(@"and install .*\?", "n\r")], "install", _plugin, "--home", _home.Path);

        result.Answered.ShouldBe(1, result.Screen);
        result.ExitCode.ShouldBe(PermissionDenied, result.Screen);
        var screen = result.Screen;
        var signature = screen.IndexOf("signature: unsigned", StringComparison.Ordinal);
        var required = screen.IndexOf("Required", StringComparison.Ordinal);
        var optional = screen.IndexOf("Optional", StringComparison.Ordinal);
        var prompt = screen.IndexOf("and install", StringComparison.Ordinal);
        signature.ShouldBeGreaterThanOrEqualTo(0, screen);
        signature.ShouldBeLessThan(required, "the signature state comes first");
        required.ShouldBeLessThan(optional);
        optional.ShouldBeLessThan(prompt, "one screen, then the question");
        screen.ShouldContain("the plugin says: keeps its state there");
        screen.ShouldNotContain("Also allow", Case.Sensitive, "once the required ones are declined nothing else is asked");
        screen.ShouldContain("was not installed");
        await ShouldNotBeInstalledAsync();
    }

    [Fact]
    public async Task Install_Terminal_EnterAcceptsRequired_OptionalChosenOneByOne()
    {
        var result = await Issue18Terminal.RunAsync(
            [
                (@"and install .*\?", "\r"), // the default for what it cannot run without is yes
                (@"Also allow .*config:read=ui\.\*", "y\r"),
                (@"Also allow .*file:read=\$CONFIG/notes/\*\*", "\r"), // the default for an optional one is no
                (@"Also allow .*network:request=127\.0\.0\.1", "n\r"),
            ],
            "install", _plugin, "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Screen);
        result.Answered.ShouldBe(4, result.Screen);
        var permissions = await PermissionsAsync();
        permissions["file:write=$PLUGIN_DATA/**"].ShouldBe("granted");
        permissions["config:read=ui.*"].ShouldBe("granted");
        permissions["file:read=$CONFIG/notes/**"].ShouldBe("denied");
        permissions["network:request=127.0.0.1"].ShouldBe("denied");
    }

    [Fact]
    public async Task Install_Terminal_GrantAll_NothingLeftToAsk()
    {
        var result = await Issue18Terminal.RunAsync([], "install", _plugin, "--grant", "all", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Screen);
        result.Screen.ShouldContain("granted by --grant");
        result.Screen.ShouldNotContain("[y/n]");
        (await PermissionsAsync()).Values.ShouldAllBe(v => v == "granted");
    }

    [Fact]
    public async Task Install_Terminal_HostileManifestText_ShownAsEscapesAndLiterally_NeverAsControlsOrMarkup()
    {
        var folder = Path.Combine(_home.Path, "hostile-src");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(CliRunner.Sample("plugins/hello-python"), "plugin.py"), Path.Combine(folder, "plugin.py"));
        await File.WriteAllTextAsync(Path.Combine(folder, "plugin.yaml"), """
            id: t.consent
            name: "Consent \u202eevil\u202c [bold]name[/]"
            version: 1.0.0
            description: "reads \u202enwod tuhs\u202c"
            publisher: tests
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: "needed [red]markup[/] \u2067**/=etirw:elif tnarg edakcots\u2069"
              optional:
                - permission: network:request=example.com:443
                  reason: "Grant all? [y/n] (y): y \u200f"
            resources: { memoryMb: 128, openFiles: 64 }
            """);

        var result = await Issue18Terminal.RunAsync([(@"and install .*\?", "n\r")], "install", folder, "--home", _home.Path);

        result.ExitCode.ShouldBe(PermissionDenied, result.Screen);
        foreach (var c in new[] { '\u202e', '\u202c', '\u2067', '\u2069', '\u200f' })
        {
            result.Screen.ShouldNotContain(c.ToString(), Case.Sensitive, $"U+{(int)c:X4} reached the terminal raw");
        }

        result.Screen.ShouldContain("the plugin says: needed [red]markup[/] \\u2067");
        result.Screen.ShouldContain("Consent \\u202eevil\\u202c [bold]name[/]");
        result.Screen.ShouldContain("the plugin says: Grant all? [y/n] (y): y \\u200f");
    }

    private static async Task<CliResult> RunWithoutStdinAsync(string cli, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("CI");
        using var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Close(); // nobody to answer
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private async Task ShouldNotBeInstalledAsync()
    {
        var list = await CliRunner.RunAsync("list", "--json", "--home", _home.Path);
        list.Stdout.Trim().ShouldBe("[]");
        Directory.Exists(Path.Combine(_home.Path, "plugins", "samples.author")).ShouldBeFalse("nothing of a declined install is copied");
    }

    private async Task<Dictionary<string, string>> PermissionsAsync()
    {
        var result = await CliRunner.RunAsync("permissions", "samples.author", "--json", "--home", _home.Path);
        result.ExitCode.ShouldBe(0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("permissions").EnumerateArray()
            .Select(p => p.GetProperty("view"))
            .ToDictionary(v => v.GetProperty("permission").GetString()!, v => v.GetProperty("decision").GetString()!);
    }
}
