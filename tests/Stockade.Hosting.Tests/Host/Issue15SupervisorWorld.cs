using System.Diagnostics;
using Stockade.Hosting.Audit;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Script plugins for issue 15's supervisor tests: one Python program whose behaviour is chosen by a mode baked into
/// its text (exit before <c>initialize</c>, a seccomp kill at start, a broken answer to <c>initialize</c>, a slow one),
/// and methods that die, sleep, write invalid UTF-8 in a method name or close their protocol stream.
/// </summary>
internal static class Issue15SupervisorWorld
{
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const string Script = """
        import json, os, struct, sys, time, ctypes
        MODE = "@MODE@"
        IN = sys.stdin.buffer
        OUT = sys.stdout.buffer
        sys.stdout = sys.stderr

        def read():
            header = IN.read(4)
            if len(header) < 4:
                return None
            (n,) = struct.unpack(">I", header)
            return json.loads(IN.read(n))

        def raw(payload):
            OUT.write(struct.pack(">I", len(payload)) + payload)
            OUT.flush()

        def send(message):
            raw(json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8"))

        if MODE == "exit-before-init":
            print("leaving before initialize", file=sys.stderr, flush=True)
            sys.exit(3)
        if MODE == "seccomp-at-start":
            # An x32 system call: the allow-list's filter kills the process (SIGSYS).
            ctypes.CDLL(None).syscall(0x40000000 | 39)
            sys.exit(4)

        while True:
            request = read()
            if request is None:
                sys.exit(0)
            if "id" not in request or "method" not in request:
                continue
            method, rid = request["method"], request["id"]
            if method == "initialize":
                if MODE == "bad-init":
                    raw(b'{"jsonrpc":"2.0","id":' + str(rid).encode() + b',"method":"host.\xff\xfe","params":{}}')
                    time.sleep(600)
                if MODE == "slow-init":
                    time.sleep(600)
                send({"id": rid, "result": {"methods": ["ping", "die", "sleep", "utf8", "close", "closeMidCall"], "hooks": [], "sdkVersion": "1.0"}})
                continue
            if method == "shutdown":
                send({"id": rid, "result": None})
                sys.exit(0)
            name = (request.get("params") or {}).get("method")
            if name == "ping":
                send({"id": rid, "result": "pong"})
            elif name == "die":
                os._exit(5)
            elif name == "sleep":
                time.sleep(600)
            elif name == "utf8":
                raw(b'{"jsonrpc":"2.0","id":7,"method":"host.\xff\xfe","params":{}}')
                time.sleep(600)
            elif name == "close":
                send({"id": rid, "result": "closing"})
                os.close(1)
                time.sleep(600)
            elif name == "closeMidCall":
                os.close(1)
                time.sleep(600)
        """;

    /// <summary>Writes <c>plugins/&lt;id&gt;</c> with the script in <paramref name="mode"/> and its manifest.</summary>
    public static string ScriptPlugin(this HostWorld world, string id, string mode = "serve", string timeouts = "{ init: 30s, call: 30s, hook: 2s }")
    {
        var dir = Directory.CreateDirectory(Path.Combine(world.Plugins, id), Traversable).FullName;
        File.SetUnixFileMode(dir, Traversable);
        var script = Path.Combine(dir, "plugin.py");
        File.WriteAllText(script, Script.Replace("@MODE@", mode, StringComparison.Ordinal));
        File.SetUnixFileMode(script, WorldReadable);
        var manifest = Path.Combine(dir, "plugin.yaml");
        File.WriteAllText(manifest, $"""
            id: {id}
            name: {id}
            version: 1.0.0
            publisher: tests
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: {timeouts}
            resources: {"{"} memoryMb: 128, openFiles: 64 {"}"}
            permissions:
              required: []
            """);
        File.SetUnixFileMode(manifest, WorldReadable);
        return dir;
    }

    /// <summary>The pids of live processes whose command line names <paramref name="pluginDirectory"/> (its workers).</summary>
    public static IReadOnlyList<int> ProcessesOf(string pluginDirectory)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var state = File.ReadAllLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) ?? "";
                if (cmdline.Contains(pluginDirectory, StringComparison.Ordinal) && !state.Contains('Z', StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // It ended while being read.
            }
        }

        return found;
    }

    /// <summary>Waits (generously) until no worker of <paramref name="pluginDirectory"/> is left; returns those still there.</summary>
    public static async Task<IReadOnlyList<int>> WaitNoProcessesAsync(string pluginDirectory, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<int> left;
        while ((left = ProcessesOf(pluginDirectory)).Count > 0 && watch.Elapsed < within)
        {
            await Task.Delay(50);
        }

        return left;
    }

    /// <summary>The plugin's records, oldest first.</summary>
    public static IReadOnlyList<Core.Audit.AuditRecord> Records(string auditDirectory, string pluginId) =>
        [.. new AuditReader(auditDirectory).Query(new AuditQuery { Plugin = pluginId })];

    /// <summary>Polls until <paramref name="condition"/> holds or <paramref name="within"/> passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < within)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }
}
