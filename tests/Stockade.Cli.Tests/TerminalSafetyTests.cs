using System.Text.Json;

namespace Stockade.Cli.Tests;

/// <summary>
/// A hostile plugin writes terminal escape sequences (clear screen, OSC 52 clipboard write, 8-bit CSI),
/// bidi overrides and a fake "stockade grant" advice line into everything the CLI may show: its error
/// answer, its exception type, its stderr, its permission request and its manifest. The operator's
/// terminal must receive none of those characters raw, must see them as escapes, and the only advice
/// line must be the one the host built from its own refusal.
/// </summary>
public sealed class TerminalSafetyTests : IDisposable
{
    private const string Evil = "\u001b[2J\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007 \u202eexe.txt\u2066 \u009b31m \u200bzero \r overwritten\n  to allow it: stockade grant x file:write=/";

    // The manifest refuses control characters; format characters (bidi, zero width) and markup it keeps.
    private const string ManifestEvil = "\u202eexe.txt\u2066 \u200bzero [red]markup[/]";

    // Every character a terminal acts on instead of printing, as the hostile text carries them.
    private static readonly char[] RawControls = ['\u001b', '\u0007', '\u202e', '\u2066', '\u009b', '\u200b', '\r'];

    private readonly TempHome _home = new();
    private readonly string _plugin;

    public TerminalSafetyTests()
    {
        _plugin = Path.Combine(_home.Path, "evil-plugin");
        Directory.CreateDirectory(_plugin);
        File.WriteAllText(Path.Combine(_plugin, "plugin.yaml"), $$"""
            id: test.evil
            name: Evil
            version: 1.0.0
            description: Writes terminal escapes everywhere it can.
            publisher: tests
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 20s, hook: 5s }
            permissions:
              optional:
                - permission: network:request=example.com:443
                  reason: {{JsonSerializer.Serialize(ManifestEvil)}}
            resources: { memoryMb: 128, openFiles: 64 }
            """);
        File.WriteAllText(Path.Combine(_plugin, "plugin.py"), PluginSource.Replace("\"EVIL_PLACEHOLDER\"", JsonSerializer.Serialize(Evil), StringComparison.Ordinal));
    }

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Run_PluginForgesPermissionDeniedAfterARealRefusal_AdviceIsTheHostsAndNothingRawReachesTheTerminal()
    {
        var run = await CliRunner.RunAsync("run", _plugin, "refused", "--home", _home.Path);

        run.ExitCode.ShouldBe(3, run.Stderr);
        AssertNothingRaw(run);
        run.Stderr.ShouldContain("\\x1b[2J");
        run.Stderr.ShouldContain("\\x1b]52;c;");
        run.Stderr.ShouldContain("\\u202e");
        run.Stderr.ShouldContain("\\x9b31m");
        run.Stderr.ShouldContain("\\n  to allow it: stockade grant x file:write=/");

        // The broker refused config:read=x during the call: that, and only that, is the advice. Issue 18: a folder run
        // is advised the same run with --grant (never 'stockade grant', which answers "not installed"), and as the
        // manifest does not declare it, it says to declare it first.
        AdviceLines(run.Stderr).ShouldBeEmpty();
        var next = run.Stderr.Split('\n').Where(line => line.TrimStart().StartsWith("next:", StringComparison.Ordinal)).ShouldHaveSingleItem();
        next.ShouldContain("add 'config:read=x' under permissions");
        next.ShouldContain($"stockade run {_plugin} refused --grant config:read=x --home {_home.Path}");
        run.Stderr.Split('\n').ShouldNotContain(line => line.TrimStart().StartsWith("to allow it: stockade grant x", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_PluginClaimsARefusalTheHostNeverMade_FailsWithoutAnyAdvice()
    {
        var run = await CliRunner.RunAsync("run", _plugin, "forged", "--home", _home.Path);

        run.ExitCode.ShouldBe(6, run.Stderr);
        AssertNothingRaw(run);
        run.Stderr.ShouldContain("\\u202e");
        AdviceLines(run.Stderr).ShouldBeEmpty();
        run.Stderr.ShouldContain("refusal the host did not make");
    }

    [Fact]
    public async Task RunJson_ForgedRefusal_ValidJsonWithEscapedTextAndNoGrant()
    {
        var run = await CliRunner.RunAsync("run", _plugin, "forged", "--json", "--home", _home.Path);

        run.ExitCode.ShouldBe(6, run.Stderr);
        AssertNothingRaw(run);
        using var doc = JsonDocument.Parse(run.Stdout);
        var error = doc.RootElement.GetProperty("error");
        error.GetProperty("message").GetString()!.ShouldContain(Evil);
        error.TryGetProperty("grant", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Run_PluginThrowsWithHostileTypeAndMessage_Exit6AndVisibleEscapes()
    {
        var run = await CliRunner.RunAsync("run", _plugin, "throws", "--home", _home.Path);

        run.ExitCode.ShouldBe(6, run.Stderr);
        AssertNothingRaw(run);
        run.Stderr.ShouldContain("plugin exception: Evil\\x1b[2J");
        AdviceLines(run.Stderr).ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_WorkerCrashesAfterHostileStderr_WorkerLinesShownSanitised()
    {
        var run = await CliRunner.RunAsync("run", _plugin, "crash", "--home", _home.Path);

        run.ExitCode.ShouldBe(6, run.Stderr);
        AssertNothingRaw(run);
        run.Stderr.ShouldContain("worker: last words \\x1b[2J\\x1b]52;c;");
    }

    [Fact]
    public async Task Run_HostileResult_PrintedAsJsonWithEscapes()
    {
        var run = await CliRunner.RunAsync("run", _plugin, "result", "--home", _home.Path);

        run.ExitCode.ShouldBe(0, run.Stderr);
        AssertNothingRaw(run);
        JsonDocument.Parse(run.Stdout).RootElement.GetProperty("text").GetString().ShouldBe(Evil);
    }

    [Fact]
    public async Task PermissionRequest_NoTerminal_RefusedWithTheHostsAdviceAndTheAuditTableIsSanitised()
    {
        var run = await CliRunner.RunAsync("run", _plugin, "ask", "--home", _home.Path);
        run.ExitCode.ShouldBe(0, run.Stderr);
        AssertNothingRaw(run);
        AdviceLines(run.Stderr).ShouldBe(["stockade: test.evil asked for 'network:request=example.com:443' and no terminal can answer: refused. To allow it: stockade grant test.evil network:request=example.com:443"]);

        // The plugin's reason is in the audit record; the table shows it escaped, the JSON stays valid.
        var table = await CliRunner.RunAsync("audit", "--home", _home.Path);
        table.ExitCode.ShouldBe(0, table.Stderr);
        AssertNothingRaw(table);
        table.Stdout.ShouldContain("\\x1b[2J");

        var json = await CliRunner.RunAsync("audit", "--json", "--home", _home.Path);
        json.ExitCode.ShouldBe(0, json.Stderr);
        AssertNothingRaw(json);
        using var doc = JsonDocument.Parse(json.Stdout);
        doc.RootElement.EnumerateArray()
            .Where(r => r.GetProperty("action").GetString() == "permission.requested")
            .ShouldContain(r => r.GetProperty("details").GetProperty("reason").GetString() == Evil);
    }

    [Fact]
    public async Task ValidateAndPermissions_ManifestReasonWithEscapes_ShownVisibly()
    {
        var validate = await CliRunner.RunAsync("validate", _plugin, "--home", _home.Path);
        validate.ExitCode.ShouldBe(0, validate.Stderr);
        AssertNothingRaw(validate);
        validate.Stdout.ShouldContain("\\u202eexe.txt\\u2066 \\u200bzero [red]markup[/]");

        var install = await CliRunner.RunAsync("install", _plugin, "--yes", "--home", _home.Path);
        install.ExitCode.ShouldBe(0, install.Stderr);
        AssertNothingRaw(install);

        var permissions = await CliRunner.RunAsync("permissions", "test.evil", "--home", _home.Path);
        permissions.ExitCode.ShouldBe(0, permissions.Stderr);
        AssertNothingRaw(permissions);
        permissions.Stdout.ShouldContain("\\u202e");

        var list = await CliRunner.RunAsync("list", "--home", _home.Path);
        AssertNothingRaw(list);
    }

    private static void AssertNothingRaw(CliResult result)
    {
        foreach (var c in RawControls)
        {
            result.Stdout.ShouldNotContain(c.ToString(), customMessage: $"U+{(int)c:X4} reached stdout raw:\n{result.Stdout}");
            result.Stderr.ShouldNotContain(c.ToString(), customMessage: $"U+{(int)c:X4} reached stderr raw:\n{result.Stderr}");
        }
    }

    // Lines a person scanning the output reads as advice: they start with an advice label (or are the
    // prompt's refusal) and name a 'stockade grant' command. Plugin text is never at the start of a line.
    private static List<string> AdviceLines(string stderr) =>
        [.. stderr.Split('\n').Where(line => line.Contains("stockade grant", StringComparison.Ordinal)
            && (line.TrimStart().StartsWith("to allow it:", StringComparison.Ordinal)
                || line.TrimStart().StartsWith("next:", StringComparison.Ordinal)
                || line.TrimStart().StartsWith("stockade grant", StringComparison.Ordinal)
                || line.StartsWith("stockade: test.evil asked for", StringComparison.Ordinal)))];

    private const string PluginSource = """
        #!/usr/bin/env python3
        import json, struct, sys

        IN, OUT = sys.stdin.buffer, sys.stdout.buffer

        def read():
            header = IN.read(4)
            if len(header) < 4:
                return None
            (n,) = struct.unpack(">I", header)
            return json.loads(IN.read(n))

        def send(message):
            payload = json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8")
            OUT.write(struct.pack(">I", len(payload)) + payload)
            OUT.flush()

        def host_call(method, params):
            send({"id": 900001, "method": method, "params": params})
            while True:
                message = read()
                if message is None:
                    sys.exit(0)
                if message.get("id") == 900001 and "method" not in message:
                    return message

        def main():
            evil = None
            while True:
                request = read()
                if request is None:
                    return 0
                if "id" not in request:
                    continue
                method, params = request.get("method"), request.get("params") or {}
                rid = request["id"]
                if method == "initialize":
                    send({"id": rid, "result": {"methods": ["refused", "forged", "throws", "crash", "result", "ask"], "hooks": [], "sdkVersion": "1.0"}})
                elif method == "shutdown":
                    send({"id": rid, "result": None})
                    return 0
                elif method == "invoke":
                    evil = (params.get("input") or {}).get("evil") or EVIL_TEXT
                    name = params.get("method")
                    if name == "refused":
                        host_call("host.config.get", {"key": "x"})
                        send({"id": rid, "error": {"code": -32001, "message": evil, "data": {"code": "permission_denied", "permission": "file:write=/"}}})
                    elif name == "forged":
                        send({"id": rid, "error": {"code": -32001, "message": evil, "data": {"code": "permission_denied", "permission": "file:write=/"}}})
                    elif name == "throws":
                        send({"id": rid, "error": {"code": -32000, "message": evil, "data": {"code": "plugin_error", "type": "Evil" + evil, "stackTrace": evil}}})
                    elif name == "crash":
                        sys.stderr.write("last words " + evil + "\n")
                        sys.stderr.flush()
                        sys.exit(3)
                    elif name == "result":
                        send({"id": rid, "result": {"text": evil}})
                    elif name == "ask":
                        answer = host_call("host.permission.request", {"permission": "network:request=example.com:443", "reason": evil})
                        send({"id": rid, "result": {"granted": answer.get("result")}})

        EVIL_TEXT = "EVIL_PLACEHOLDER"
        sys.exit(main())
        """;
}
