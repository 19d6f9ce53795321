using System.Text.Json;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// A root host's workers, for real: each plugin under a uid of its own from the range, no capabilities, its data
/// private to it, and at <c>strict</c> a private /tmp. A small Python plugin reports what its worker sees.
/// </summary>
public sealed class WorkerPrivilegeTests : IAsyncLifetime
{
    private const string ProbeScript = """
        import json, os, struct, sys
        IN, OUT = sys.stdin.buffer, sys.stdout.buffer
        sys.stdout = sys.stderr
        state = {}

        def read():
            header = IN.read(4)
            if len(header) < 4:
                return None
            (n,) = struct.unpack(">I", header)
            return json.loads(IN.read(n))

        def send(message):
            payload = json.dumps(dict(message, jsonrpc="2.0")).encode()
            OUT.write(struct.pack(">I", len(payload)) + payload)
            OUT.flush()

        def attempt(action):
            try:
                return {"ok": True, "value": action(), "errno": 0}
            except OSError as error:
                return {"ok": False, "value": None, "errno": error.errno}

        def status(_):
            with open("/proc/self/status") as f:
                return f.read()

        def write(arg):
            path = os.path.join(state["dataDir"], arg["name"])
            with open(path, "w") as f:
                f.write(arg.get("text", "data"))
            suid = attempt(lambda: os.chmod(path, 0o4755))
            st = os.stat(path)
            return {"path": path, "uid": st.st_uid, "mode": st.st_mode & 0o7777, "chmodErrno": suid["errno"]}

        def read_path(arg):
            def action():
                with open(arg["path"]) as f:
                    return f.read()
            return attempt(action)

        def signal(arg):
            return attempt(lambda: os.kill(arg["pid"], 0))

        def list_tmp(arg):
            entries = attempt(lambda: sorted(os.listdir("/tmp")))
            written = attempt(lambda: open("/tmp/" + arg["name"], "w").close())
            return {"entries": entries, "written": written}

        METHODS = {"status": status, "write": write, "read": read_path, "signal": signal, "pid": lambda _: os.getpid(), "listTmp": list_tmp}

        while True:
            request = read()
            if request is None:
                break
            if "id" not in request:
                continue
            method, params = request.get("method"), request.get("params") or {}
            if method == "shutdown":
                send({"id": request["id"], "result": None})
                break
            if method == "initialize":
                state.update(params)
                send({"id": request["id"], "result": {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}})
            elif method == "invoke" and params.get("method") in METHODS:
                send({"id": request["id"], "result": METHODS[params["method"]](params.get("input") or {})})
            else:
                send({"id": request["id"], "error": {"code": -32601, "message": "unknown", "data": {"code": "not_found"}}})
        """;

    private static readonly JsonSerializerOptions Web = JsonSerializerOptions.Web;

    private readonly HostWorld _world = new();
    private PluginHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new PluginHost(Options());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _world.Dispose();
    }

    [RootFact]
    public async Task RootHost_Worker_RunsAsItsOwnUidFromTheRangeWithNoCapabilities()
    {
        var plugin = await _host.LoadAsync(Probe("t.privs-a"), new PluginLoadOptions { Level = "sandboxed" });

        var status = Status(await _host.InvokeAsync<string>("t.privs-a", "status", null));
        var uid = _host.Store.FindWorkerUid("t.privs-a");
        uid.ShouldNotBeNull();
        uid.Value.ShouldBeInRange(PluginHostOptions.DefaultWorkerUidFirst, PluginHostOptions.DefaultWorkerUidFirst + PluginHostOptions.DefaultWorkerUidCount - 1);
        status["Uid"].ShouldBe($"{uid}\t{uid}\t{uid}\t{uid}");
        status["Gid"].ShouldBe($"{uid}\t{uid}\t{uid}\t{uid}");
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            status[set].ShouldBe("0000000000000000", set);
        }

        status["NoNewPrivs"].ShouldBe("1");
        plugin.Guarantees.ShouldContain(g => g.Subject.StartsWith($"no privileges: its own uid {uid}", StringComparison.Ordinal));
        var data = _host.Home.DataDirectory("t.privs-a");
        Linux.FileOwnership.Of(data).Uid.ShouldBe((uint)uid.Value);
        File.GetUnixFileMode(data).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [RootFact]
    public async Task RootHost_TwoPlugins_GetDifferentUidsAndCannotReadOrSignalEachOther()
    {
        // At 'limited' there is no Landlock and no seccomp: only the uids keep the two apart.
        await _host.LoadAsync(Probe("t.privs-a"), new PluginLoadOptions { Level = "limited" });
        await _host.LoadAsync(Probe("t.privs-b"), new PluginLoadOptions { Level = "limited" });
        var written = await _host.InvokeAsync<Written>("t.privs-a", "write", new { name = "secret.txt", text = "a's secret" }, Web);
        var pidA = await _host.InvokeAsync<int>("t.privs-a", "pid", null);

        var read = await _host.InvokeAsync<Attempt>("t.privs-b", "read", new { path = written!.Path }, Web);
        var signal = await _host.InvokeAsync<Attempt>("t.privs-b", "signal", new { pid = pidA }, Web);

        _host.Store.FindWorkerUid("t.privs-a").ShouldNotBe(_host.Store.FindWorkerUid("t.privs-b"));
        read!.Ok.ShouldBeFalse("plugin b read plugin a's $PLUGIN_DATA");
        read.Errno.ShouldBe(13);
        signal!.Ok.ShouldBeFalse("plugin b could signal plugin a's worker");
        signal.Errno.ShouldBe(1);
        (await _host.InvokeAsync<Attempt>("t.privs-a", "read", new { path = written.Path }, Web))!.Ok.ShouldBeTrue("the control: a reads its own file");
    }

    [RootFact]
    public async Task RootHost_SetuidBitInPluginData_NeverNamesRoot()
    {
        await _host.LoadAsync(Probe("t.privs-a"), new PluginLoadOptions { Level = "sandboxed" });

        var written = await _host.InvokeAsync<Written>("t.privs-a", "write", new { name = "suid" }, Web);

        // Either the bit is refused (a seccomp rule) or it is set on a file owned by the plugin's uid: never euid 0.
        written!.Uid.ShouldBe(_host.Store.FindWorkerUid("t.privs-a")!.Value);
        if (written.ChmodErrno == 0)
        {
            (written.Mode & 0b100_000_000_000).ShouldNotBe(0);
        }

        Linux.FileOwnership.Of(written.Path).Uid.ShouldNotBe(0u);
    }

    [RootFact]
    public async Task RootHost_UidIsKeptAcrossHostsOnTheSameHome()
    {
        await _host.LoadAsync(Probe("t.privs-a"), new PluginLoadOptions { Level = "sandboxed" });
        var first = _host.Store.FindWorkerUid("t.privs-a");
        await _host.DisposeAsync();

        _host = new PluginHost(Options());
        await _host.LoadAsync(Probe("t.privs-b"), new PluginLoadOptions { Level = "sandboxed" });
        await _host.LoadAsync(Probe("t.privs-a"), new PluginLoadOptions { Level = "sandboxed" });

        _host.Store.FindWorkerUid("t.privs-a").ShouldBe(first);
        var status = Status(await _host.InvokeAsync<string>("t.privs-a", "status", null));
        status["Uid"].ShouldStartWith($"{first}\t");
    }

    [RootFact]
    public async Task RootHost_ConfiguredWorkerUserId_OverridesThePerPluginUid()
    {
        await _host.DisposeAsync();
        var options = Options();
        options.WorkerUserId = 65534;
        _host = new PluginHost(options);
        await _host.LoadAsync(Probe("t.privs-a"), new PluginLoadOptions { Level = "sandboxed" });

        Status(await _host.InvokeAsync<string>("t.privs-a", "status", null))["Uid"].ShouldBe("65534\t65534\t65534\t65534");
    }

    [RootFact]
    public async Task RootHost_Strict_HasAPrivateTmpAndNoCapabilities()
    {
        var marker = $"stockade-privs-marker-{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(Path.Combine("/tmp", marker), "the host's /tmp");
        try
        {
            await _host.LoadAsync(StrictSigning.ForLevel(_host, Probe("t.privs-a"), "strict"), new PluginLoadOptions { Level = "strict" });
            var name = $"stockade-privs-written-{Guid.NewGuid():N}";

            var tmp = await _host.InvokeAsync<TmpListing>("t.privs-a", "listTmp", new { name }, Web);
            var status = Status(await _host.InvokeAsync<string>("t.privs-a", "status", null));
            var written = await _host.InvokeAsync<Written>("t.privs-a", "write", new { name = "strict.txt" }, Web);

            tmp!.Entries.Ok.ShouldBeTrue();
            var entries = tmp.Entries.Value!.Value.EnumerateArray().Select(e => e.GetString()).ToList();
            entries.ShouldNotContain(marker);
            entries.ShouldBe([Path.GetFileName(_world.Root)], "only the world folder holding the home and plugin, bound back");
            tmp.Written.Ok.ShouldBeTrue();
            File.Exists(Path.Combine("/tmp", name)).ShouldBeFalse("the write went to the worker's private /tmp");
            foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
            {
                status[set].ShouldBe("0000000000000000", set);
            }

            Linux.FileOwnership.Of(written!.Path).Uid.ShouldBe((uint)_host.Store.FindWorkerUid("t.privs-a")!.Value, "root of the user namespace is the plugin's uid outside");
        }
        finally
        {
            File.Delete(Path.Combine("/tmp", marker));
        }
    }

    private PluginHostOptions Options() => new() { Home = _world.Home, Environment = new Dictionary<string, string>(StringComparer.Ordinal) };

    private string Probe(string id)
    {
        var dir = Path.Combine(_world.Plugins, id);
        if (Directory.Exists(dir))
        {
            return dir;
        }

        const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        Directory.CreateDirectory(dir, Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(dir, "plugin.py"), ProbeScript);
        File.WriteAllText(Path.Combine(dir, "plugin.yaml"), $"""
            id: {id}
            name: {id}
            version: 1.0.0
            publisher: tests
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: {"{"} init: 30s, call: 20s, hook: 5s {"}"}
            permissions:
              required: []
            resources: {"{"} memoryMb: 128, openFiles: 64 {"}"}
            """);
        File.SetUnixFileMode(Path.Combine(dir, "plugin.py"), Readable);
        File.SetUnixFileMode(Path.Combine(dir, "plugin.yaml"), Readable);
        return dir;
    }

    private static Dictionary<string, string> Status(string? text) =>
        text!.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());

    private sealed record Attempt(bool Ok, JsonElement? Value, int Errno);

    private sealed record Written(string Path, int Uid, int Mode, int ChmodErrno);

    private sealed record TmpListing(Attempt Entries, Attempt Written);
}

/// <summary>A fact that needs a root host (it switches workers to their own uids); skipped otherwise.</summary>
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess || !File.Exists("/usr/bin/python3"))
        {
            Skip = "needs Linux, root (a root host gives each plugin its own uid) and /usr/bin/python3";
        }
    }
}
