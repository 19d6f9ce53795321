using System.Text.Json;
using Stockade.Core.Permissions;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// Issue 18 items 2 and 3 with real confined workers, as root and as uid 65534: the broker honours what the application
/// says an action implies, and a plugin loads under a named JSON policy whose caps and forbidden permissions hold, also
/// in a later host over the same home that only reads the policy back.
/// </summary>
[Trait("Issue", "18")]
public sealed class Issue18AppHostTests : IDisposable
{
    // A process plugin that forwards "call" to host.service.call and answers with the host's result or error code.
    private const string Script = """
        import json, struct, sys
        IN, OUT = sys.stdin.buffer, sys.stdout.buffer
        def read():
            header = IN.read(4)
            if len(header) < 4:
                return None
            return json.loads(IN.read(struct.unpack(">I", header)[0]))
        def send(message):
            payload = json.dumps(dict(message, jsonrpc="2.0")).encode()
            OUT.write(struct.pack(">I", len(payload)) + payload)
            OUT.flush()
        next_id = [1000]
        def call(arg):
            next_id[0] += 1
            send({"id": next_id[0], "method": "host.service.call", "params": {"service": arg["service"], "method": arg["method"], "args": arg.get("args")}})
            while True:
                reply = read()
                if reply is not None and reply.get("id") == next_id[0]:
                    if "error" in reply:
                        return {"error": (reply["error"].get("data") or {}).get("code")}
                    return {"result": reply.get("result")}
        while True:
            request = read()
            if request is None:
                break
            if "id" not in request:
                continue
            method = request.get("method")
            if method == "initialize":
                send({"id": request["id"], "result": {"methods": ["call"], "hooks": [], "sdkVersion": "1.0"}})
            elif method == "shutdown":
                send({"id": request["id"], "result": None})
                break
            else:
                send({"id": request["id"], "result": call(request["params"]["input"])})
        """;

    private const string WebPlugin = """
        {
          "name": "web-plugin",
          "basedOn": "sandboxed",
          "description": "Reads the shop's stock; never administers it.",
          "limits": { "memoryMb": 256 },
          "timeouts": { "call": "20s" },
          "allowed": ["inventory:read", "inventory:admin", "network:request=*.example.com:443"],
          "forbidden": ["inventory:admin"]
        }
        """;

    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    /// <summary>The application's service: counts, and a reset only an administrator may do.</summary>
    public sealed class InventoryService
    {
        public int Resets { get; private set; }

        [RequiresPermission("inventory:read")]
        public int Count(string item) => item.Length;

        [RequiresPermission("inventory:admin")]
        public int Reset() => ++Resets;
    }

    private static PermissionCategory Inventory() => new(
        "inventory", ["read", "write", "admin"], description: "the shop's stock",
        actionDescriptions: new Dictionary<string, string> { ["read"] = "see stock levels", ["admin"] = "manage the whole inventory" },
        implies: new Dictionary<string, IReadOnlyList<string>> { ["admin"] = ["*"] });

    private PluginHost NewHost(int? workerUid) => new(new PluginHostOptions { Home = _world.Home, WorkerUserId = workerUid, WorkerGroupId = workerUid });

    private string Plugin(string id, string permissions)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_world.Plugins, id)).FullName;
        File.WriteAllText(Path.Combine(dir, "plugin.yaml"),
            $"id: {id}\nname: Shop\nversion: 1.0.0\nruntime: process\nentry: plugin.py\ninterpreter: /usr/bin/python3\ntimeouts: {{ init: 60s, call: 60s }}\nresources: {{ memoryMb: 512, openFiles: 64 }}\n{permissions}");
        File.WriteAllText(Path.Combine(dir, "plugin.py"), Script);
        foreach (var file in Directory.GetFiles(dir))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }

    private static async Task<JsonElement> CallAsync(PluginHost host, string id, string method, object? args = null) =>
        await host.InvokeAsync(id, "call", JsonSerializer.SerializeToElement(new { service = "inventory", method, args }));

    public static TheoryData<int?> Users => new() { null, 65534 };

    [Theory]
    [MemberData(nameof(Users))]
    public async Task GrantOfAdmin_TheBrokerAnswersWhatTheAppSaysItImplies(int? workerUid)
    {
        await using var host = NewHost(workerUid);
        host.DefineCategory(Inventory());
        var service = new InventoryService();
        host.Services.Register("inventory", service);
        await host.LoadAsync(Plugin("com.example.admin", "permissions:\n  required:\n    - inventory:admin\n"), new PluginLoadOptions { Grants = ["inventory:admin"] });
        await host.LoadAsync(Plugin("com.example.reader", "permissions:\n  required:\n    - inventory:read\n"), new PluginLoadOptions { Grants = ["inventory:read"] });

        (await CallAsync(host, "com.example.admin", "count", "bolts")).GetProperty("result").GetInt32().ShouldBe(5); // admin ⇒ read
        (await CallAsync(host, "com.example.admin", "reset")).GetProperty("result").GetInt32().ShouldBe(1);
        (await CallAsync(host, "com.example.reader", "count", "nuts")).GetProperty("result").GetInt32().ShouldBe(4);
        (await CallAsync(host, "com.example.reader", "reset")).GetProperty("error").GetString().ShouldBe("permission_denied"); // read ⇏ admin
        service.Resets.ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Users))]
    public async Task NamedPolicy_LoadsByName_ItsCapsAndForbiddenHold_AndALaterHostReadsItBack(int? workerUid)
    {
        var permissions = "permissions:\n  required:\n    - inventory:read\n  optional:\n    - inventory:admin\n";
        var options = new PluginLoadOptions { Level = "web-plugin", Grants = ["inventory:read", "inventory:admin"] };
        await using (var app = NewHost(workerUid))
        {
            app.DefineCategory(Inventory());
            var service = new InventoryService();
            app.Services.Register("inventory", service);
            app.RegisterPolicy(WebPlugin, "web-plugin.json").Name.ShouldBe("web-plugin");
            app.Policies.Select(p => p.Name).ShouldContain("web-plugin");

            var plugin = await app.LoadAsync(Plugin("com.example.web", permissions), options);

            plugin.Policy.Preset.Name.ShouldBe("web-plugin");
            plugin.EffectiveLevel.ShouldBe(Core.Policy.SecurityLevel.Sandboxed);
            plugin.Policy.Resources.MemoryMb.ShouldBe(256); // the manifest asked 512
            plugin.Policy.Timeouts.Call.ShouldBe(TimeSpan.FromSeconds(20));
            plugin.Policy.Decisions.Single(d => d.Permission.ToString() == "inventory:admin").Reason.ShouldContain("forbidden by the policy 'web-plugin'");
            (await CallAsync(app, "com.example.web", "count", "bolts")).GetProperty("result").GetInt32().ShouldBe(5);
            (await CallAsync(app, "com.example.web", "reset")).GetProperty("error").GetString().ShouldBe("permission_denied"); // granted, but forbidden
            service.Resets.ShouldBe(0);

            var unknown = await Should.ThrowAsync<PluginRefusedException>(() => app.LoadAsync(Plugin("com.example.typo", permissions), new PluginLoadOptions { Level = "web-plugn", Grants = options.Grants }));
            unknown.Message.ShouldContain("unknown security level 'web-plugn'");
        }

        // A later host over the same home (the CLI, or the app after a restart) finds both in the store.
        await using var later = NewHost(workerUid);
        later.Services.Register("inventory", new InventoryService());
        var again = await later.LoadAsync(Path.Combine(_world.Plugins, "com.example.web"), options);
        again.Policy.Preset.Name.ShouldBe("web-plugin");
        again.Policy.Resources.MemoryMb.ShouldBe(256);
        (await CallAsync(later, "com.example.web", "reset")).GetProperty("error").GetString().ShouldBe("permission_denied");
    }
}
