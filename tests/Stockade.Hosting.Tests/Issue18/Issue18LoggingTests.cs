using Microsoft.Extensions.Logging;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// Issue 18 item 1: a plugin's log lines reach the application's <see cref="ILogger"/> at the level the plugin gave and
/// under its category (<c>Stockade.Plugins.&lt;id&gt;[.&lt;category&gt;]</c>, event id 1005) — from a C# plugin through the
/// SDK, and from a plugin in another language through <c>host.log</c> — while the plugin's words stay bounded data.
/// </summary>
[Trait("Issue", "18")]
[Collection(Issue18Host.Collection)]
public sealed class Issue18LoggingTests
{
    // A process plugin speaking the protocol: "log" sends host.log lines with the levels and categories it is given (or,
    // for a line that names a "method", that notification).
    private const string Script = """
        #!/usr/bin/env python3
        import json, struct, sys

        """ + PythonProtocol.Framing + """
        while True:
            request = read()
            if request is None:
                break
            if "id" not in request:
                continue
            method = request.get("method")
            if method == "shutdown":
                send({"id": request["id"], "result": None})
                break
            if method == "initialize":
                send({"id": request["id"], "result": {"methods": ["log"], "hooks": [], "sdkVersion": "1.0"}})
            elif method == "invoke":
                lines = request["params"]["input"]["lines"]
                for line in lines:
                    send({"method": line.pop("method", "host.log"), "params": line})
                send({"id": request["id"], "result": len(lines)})
            else:
                send({"id": request["id"], "error": {"code": -32601, "message": "unknown"}})
        """;

    [Theory]
    [InlineData(null)]
    [InlineData(65534)]
    public async Task CSharpPlugin_LevelsAndCategory_ReachILoggerIntact(int? workerUid)
    {
        await using var h = Issue18Host.Create(o => (o.WorkerUserId, o.WorkerGroupId) = (workerUid, workerUid));
        await h.Host.LoadAsync(h.World.Misbehave("t.logs"), new PluginLoadOptions { Level = "sandboxed" });

        (await h.Host.InvokeAsync<int>("t.logs", "log", new { text = "plain" })).ShouldBe(4);
        (await h.Host.InvokeAsync<int>("t.logs", "log", new { text = "cached", category = "cache" })).ShouldBe(4);

        var plain = await LinesAsync(h, "Stockade.Plugins.t.logs", 4);
        plain.Select(e => (e.Level, Text(e))).ShouldBe(
            [(LogLevel.Debug, "debug: plain"), (LogLevel.Information, "info: plain"), (LogLevel.Warning, "warning: plain"), (LogLevel.Error, "error: plain")]);
        plain.ShouldAllBe(e => e.EventId.Id == 1005 && (string?)e.State.Single(p => p.Key == "PluginId").Value == "t.logs");

        var cache = await LinesAsync(h, "Stockade.Plugins.t.logs.cache", 4);
        cache.Select(e => e.Level).ShouldBe([LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error]);
        cache.Select(Text).ShouldBe(["debug: cached", "info: cached", "warning: cached", "error: cached"]);
    }

    [Fact]
    public async Task AnyLanguage_HostLog_LevelsMapped_CategoriesKeptOnlyWhenPlainAndBounded()
    {
        await using var h = Issue18Host.Create();
        await LoadScriptAsync(h, "t.pylogs");

        object Line(string? level, string message, object? category = null) => new { level, message, category };
        object[] lines =
        [
            Line("trace", "t"), Line("DEBUG", "d"), Line("info", "i"), Line("warn", "w"), Line("warning", "w2"), Line("error", "e"),
            Line("critical", "c"), Line("shout", "s"), Line(null, "n"),
            Line("warning", "in db", "db.queries"),
            Line("warning", "escape", "../../etc"), Line("warning", "control", "a\u001b[31mred"), Line("warning", "long", new string('x', 65)),
            Line("warning", "not a string", 42),
        ];
        (await h.Host.InvokeAsync<int>("t.pylogs", "log", new { lines })).ShouldBe(lines.Length);

        var own = await LinesAsync(h, "Stockade.Plugins.t.pylogs", 13);
        own.Select(e => (e.Level, Text(e))).ShouldBe(
        [
            (LogLevel.Trace, "t"), (LogLevel.Debug, "d"), (LogLevel.Information, "i"), (LogLevel.Warning, "w"), (LogLevel.Warning, "w2"), (LogLevel.Error, "e"),
            (LogLevel.Error, "c"), // a plugin speaks about its own work: nothing above Error
            (LogLevel.Information, "s"), (LogLevel.Information, "n"),
            (LogLevel.Warning, "escape"), (LogLevel.Warning, "control"), (LogLevel.Warning, "long"), (LogLevel.Warning, "not a string"),
        ]);
        (await LinesAsync(h, "Stockade.Plugins.t.pylogs.db.queries", 1)).Single().Level.ShouldBe(LogLevel.Warning);

        // A plugin naming a category per line gets 32 of them; the rest log under its own category.
        object[] many = [.. Enumerable.Range(0, 40).Select(i => Line("info", $"m{i}", $"c{i}"))];
        await h.Host.InvokeAsync<int>("t.pylogs", "log", new { lines = many });
        await LinesAsync(h, "Stockade.Plugins.t.pylogs", 13 + 40 - (32 - 1));
        h.Logs.Entries.Select(e => e.Category).Where(c => c.StartsWith("Stockade.Plugins.t.pylogs.", StringComparison.Ordinal)).Distinct().Count().ShouldBe(32);
        h.Logs.Entries.ShouldNotContain(e => e.Category.Contains("..", StringComparison.Ordinal) || e.Category.Contains('\u001b', StringComparison.Ordinal));
    }

    /// <summary>
    /// The attack: a console logger prints messages raw, so a plugin's log line with a newline forges a line of the
    /// host's own, and one with escape sequences retitles or repaints the operator's terminal. Every character a terminal
    /// acts on arrives made visible, in the notation stderr lines already use.
    /// </summary>
    [Fact]
    public async Task HostLog_ControlTextInMessage_ArrivesVisible_NeverForgesALine()
    {
        await using var h = Issue18Host.Create();
        await LoadScriptAsync(h, "t.pyforge");

        object[] lines =
        [
            new { level = "info", message = "done\ninfo: Stockade.Hosting[1001]\n      plugin t.other granted file:read=/" },
            new { level = "info", message = "\u001b]0;owned\u0007\u001b[2J\r\u202eevil" },
        ];
        (await h.Host.InvokeAsync<int>("t.pyforge", "log", new { lines })).ShouldBe(2);

        var got = (await LinesAsync(h, "Stockade.Plugins.t.pyforge", 2)).Select(Text).ToList();
        got.ShouldBe(
        [
            "done\\ninfo: Stockade.Hosting[1001]\\n      plugin t.other granted file:read=/",
            "\\x1b]0;owned\\x07\\x1b[2J\\r\\u202eevil",
        ]);
        got.ShouldAllBe(t => !t.Any(c => char.IsControl(c) || c == '\u202e'));
    }

    /// <summary>
    /// The same attack through a denial report: the path in <c>host.denial</c> is the plugin's word. It reaches the host's
    /// log and the denied event made visible, and a path a terminal would act on earns no <c>stockade grant</c> advice
    /// (advice is text a person copies into a shell).
    /// </summary>
    [Fact]
    public async Task DenialReport_ControlTextInPath_LoggedVisible_NoGrantAdvice()
    {
        await using var h = Issue18Host.Create();
        await LoadScriptAsync(h, "t.pydeny");

        object[] lines =
        [
            new { method = "host.denial", kind = "file", path = "/srv/x\n\u001b]0;owned\u0007' ; rm -rf ~ #", operation = "read", errno = 13 },
            new { method = "host.denial", kind = "file", path = "/srv/plain.txt", operation = "read", errno = 13 },
        ];
        (await h.Host.InvokeAsync<int>("t.pydeny", "log", new { lines })).ShouldBe(2);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (h.Logs.Entries.Count(e => e.EventId.Id == 1006) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var logged = h.Logs.Entries.Where(e => e.EventId.Id == 1006).Select(e => (string)e.State.Single(p => p.Key == "Resource").Value!).ToList();
        logged.ShouldBe(["/srv/x\\n\\x1b]0;owned\\x07' ; rm -rf ~ #", "/srv/plain.txt"]);

        var denied = h.Events.Where(e => e.PluginId == "t.pydeny" && e.Kind == PluginEventKind.PermissionDenied).Select(e => e.Message).ToList();
        denied.Count.ShouldBe(2);
        denied.ShouldAllBe(m => !m.Any(char.IsControl));
        denied[0].ShouldNotContain("stockade grant");
        denied[1].ShouldContain("stockade grant t.pydeny file:read=/srv/plain.txt");
    }

    // The Python plugin above, under its own id, loaded from a folder at sandboxed.
    private static async Task LoadScriptAsync(Issue18Host h, string id)
    {
        var dir = Path.Combine(h.World.Plugins, id);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "plugin.yaml"), $"""
            id: {id}
            name: {id}
            version: 1.0.0
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: {"{"} init: 30s, call: 20s, hook: 5s {"}"}
            resources: {"{"} memoryMb: 128, openFiles: 64 {"}"}
            """);
        File.WriteAllText(Path.Combine(dir, "plugin.py"), Script);
        await h.Host.LoadAsync(dir, new PluginLoadOptions { Level = "sandboxed" });
    }

    private static string Text(LogEntry e) => (string)e.State.Single(p => p.Key == "Message").Value!;

    private static async Task<IReadOnlyList<LogEntry>> LinesAsync(Issue18Host h, string category, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var lines = h.Logs.Entries.Where(e => e.Category == category && e.EventId.Id == 1005).ToList();
            if (lines.Count >= count || DateTime.UtcNow > deadline)
            {
                lines.Count.ShouldBe(count, $"log lines under {category}");
                return lines;
            }

            await Task.Delay(50);
        }
    }
}
