using System.Diagnostics;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 14, class 7: nothing a plugin writes reaches the operator's terminal raw — not through a
/// <c>run</c> error, a result, the audit table, a manifest's names and reasons, nor the advice line,
/// which must come from the host's own policy check and never from plugin text. The attack text holds
/// CSI (clear screen, cursor home), OSC 0 (window title) and OSC 52 (clipboard), the 8-bit CSI, a
/// bidi override, BEL, a carriage return and a fake "stockade grant …" line.
/// </summary>
[Trait("Issue", "14")]
public sealed class Issue14TerminalTests : IDisposable
{
    private const string HostileCs = "plugins/hostile-csharp";
    private const string HostilePy = "plugins/hostile-python";
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData(HostileCs, "terminalThrow", "samples.hostile")]
    [InlineData(HostileCs, "terminalReturn", "samples.hostile")]
    [InlineData(HostileCs, "terminalLog", "samples.hostile")]
    [InlineData(HostilePy, "terminalError", "samples.hostile-python")]
    [InlineData(HostilePy, "terminalDenial", "samples.hostile-python")]
    [InlineData(HostilePy, "terminalThrow", "samples.hostile-python")]
    public async Task Run_PluginTextWithEscapes_ReachesTheTerminalSanitised(string sample, string method, string id)
    {
        // The C# sample declares file:write on its data; the Python one declares nothing.
        var result = sample == HostileCs
            ? await CliRunner.RunAsync("run", CliRunner.Sample(sample), method, "--grant", "file:write=$PLUGIN_DATA/**", "--home", _home.Path)
            : await CliRunner.RunAsync("run", CliRunner.Sample(sample), method, "--home", _home.Path);

        // The plugin must have run (0 result, 3 refused, 6 failed), else this test proves nothing.
        result.ExitCode.ShouldBeOneOf([0, 3, 6], $"the plugin did not run: {result.Stderr}");
        AssertClean(result.Stdout + result.Stderr, $"run {method}");
        AdviceLines(result.Stderr).ShouldAllBe(l => !l.Contains("file:write=/**", StringComparison.Ordinal) && !l.Contains("/x", StringComparison.Ordinal),
            "an advice line was built from plugin text: " + string.Join(" | ", AdviceLines(result.Stderr)));

        // The audit table shows what the plugin logged, asked for or was denied: sanitised too.
        var audit = await CliRunner.RunAsync("audit", "--plugin", id, "--home", _home.Path);
        AssertClean(audit.Stdout + audit.Stderr, "audit");
    }

    [Theory]
    [InlineData("escapes")]
    [InlineData("bidi")]
    public async Task ManifestText_WithEscapesOrBidi_IsSanitisedInValidateInstallListPermissionsAudit(string kind)
    {
        var folder = Path.Combine(_home.Path, "plugin-src");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(CliRunner.Sample("plugins/hello-python"), "plugin.py"), Path.Combine(folder, "plugin.py"));

        // YAML double-quoted strings turn \x1b, \u202e, \r, \n into the raw characters.
        var manifest = kind == "escapes"
            ? """
                id: t.terminal
                name: "Terminal\x1b[2J\x1b]0;pwned\x07 \u202eevil\u202c"
                version: 1.0.0
                description: "looks fine\r\x1b[1A\x1b[2Kstockade grant t.terminal file:write=/**\n\x9b31m"
                publisher: "tests\x1b]52;c;c3RvY2thZGU=\x07"
                runtime: process
                entry: plugin.py
                interpreter: /usr/bin/python3
                permissions:
                  required:
                    - permission: file:write=$PLUGIN_DATA/**
                      reason: "needed\x1b[8m hidden text\x1b[0m\rstockade grant t.terminal file:write=/**"
                resources: { memoryMb: 128, openFiles: 64 }
                """
            : """
                id: t.terminal
                name: "Terminal \u202eevil\u202c \u2067isolate\u2069"
                version: 1.0.0
                description: "reads \u202enwod tuhs\u202c your notes"
                publisher: "tests \u200f\u202d"
                runtime: process
                entry: plugin.py
                interpreter: /usr/bin/python3
                permissions:
                  required:
                    - permission: file:write=$PLUGIN_DATA/**
                      reason: "needed \u202e**/=etirw:elif tnarg edakcots\u202c"
                resources: { memoryMb: 128, openFiles: 64 }
                """;
        await File.WriteAllTextAsync(Path.Combine(folder, "plugin.yaml"), manifest);

        var validate = await CliRunner.RunAsync("validate", folder, "--home", _home.Path);
        AssertClean(validate.Stdout + validate.Stderr, "validate");

        // Refusing such a manifest (exit 2) is as good as showing it sanitised; either way the output is clean.
        var install = await CliRunner.RunAsync("install", folder, "--yes", "--home", _home.Path);
        install.ExitCode.ShouldBeOneOf([0, 2], install.Stderr);
        AssertClean(install.Stdout + install.Stderr, "install");

        AssertClean((await CliRunner.RunAsync("list", "--home", _home.Path)).Stdout, "list");
        if (install.ExitCode == 0)
        {
            var permissions = await CliRunner.RunAsync("permissions", "t.terminal", "--home", _home.Path);
            AssertClean(permissions.Stdout + permissions.Stderr, "permissions");
        }

        var audit = await CliRunner.RunAsync("audit", "--home", _home.Path);
        AssertClean(audit.Stdout + audit.Stderr, "audit");
    }

    // A line that reads as advice: it starts with the command or the "to allow it:" lead-in. Plugin text that merely
    // contains the words is shown inside the failure line with its line breaks made visible, so it cannot pose as one.
    private static IEnumerable<string> AdviceLines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("stockade grant", StringComparison.Ordinal)
            || l.Contains("to allow it: stockade grant", StringComparison.Ordinal) || l.StartsWith("next:", StringComparison.Ordinal));

    private static void AssertClean(string text, string where)
    {
        char[] raw = ['\u001b', '\u0007', '\u009b', '\u009d', '\u202e', '\u202d', '\u202a', '\u202b', '\u202c', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\r', '\u0008'];
        foreach (var c in raw)
        {
            text.IndexOf(c, StringComparison.Ordinal).ShouldBe(-1, $"'{where}' printed the raw character U+{(int)c:X4}: {Visible(text)}");
        }

        // A plugin's text may appear (made visible) but never as a line of its own that reads like advice.
        text.Split('\n').Select(l => l.TrimStart()).Where(l => l.StartsWith("stockade grant", StringComparison.Ordinal) && l.Contains("file:write=/**", StringComparison.Ordinal))
            .ShouldBeEmpty($"'{where}' printed a plugin-written 'stockade grant' line");
    }

    private static string Visible(string text)
    {
        var shown = string.Concat(text.Select(c => char.IsControl(c) && c != '\n' || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' ? $"<U+{(int)c:X4}>" : c.ToString()));
        return shown.Length > 2000 ? shown[..2000] : shown;
    }
}

/// <summary>Issue 14, class 2 seen from the CLI: a worker that clears its parent-death signal still dies with a SIGKILLed host.</summary>
[Trait("Issue", "14")]
public sealed class Issue14OrphanTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task KillNine_OfTheHost_AfterThePluginClearedPdeathsig_LeavesNoWorker()
    {
        var plugin = CliRunner.Sample("plugins/hostile-python");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "stockade.dll"), "--home", _home.Path, "run", plugin, "orphan", "--input", """{"seconds":60}""" })
        {
            info.ArgumentList.Add(arg);
        }

        using var host = Process.Start(info)!;
        var workers = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (workers.Count == 0 && DateTime.UtcNow < deadline && !host.HasExited)
        {
            workers = WorkersOf(host.Id);
            await Task.Delay(50);
        }

        workers.ShouldNotBeEmpty("the host never started a worker");
        await Task.Delay(2000); // the call has cleared PR_SET_PDEATHSIG by now
        host.Kill(entireProcessTree: false);
        await host.WaitForExitAsync();

        var gone = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < gone && workers.Any(Alive))
        {
            await Task.Delay(50);
        }

        var survivors = workers.Where(Alive).ToList();
        foreach (var pid in survivors)
        {
            // Tidy up what this test started before failing on it.
            using var orphan = Process.GetProcessById(pid);
            orphan.Kill();
        }

        survivors.ShouldBeEmpty("a worker that cleared its PDEATHSIG outlived its SIGKILLed host");
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    // Every process whose parent chain leads to the host and that runs the hostile plugin's script.
    private static List<int> WorkersOf(int host)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("plugin.py", StringComparison.Ordinal) && DescendsFrom(pid, host))
                {
                    result.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return result;
    }

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (var depth = 0; depth < 8 && pid > 1; depth++)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            pid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            if (pid == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
