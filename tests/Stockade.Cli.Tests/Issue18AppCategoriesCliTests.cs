using System.Text.Json;
using Microsoft.Data.Sqlite;
using Stockade.Core.Permissions;
using Stockade.Hosting;
using Stockade.Hosting.Broker.Services;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 18 items 2 and 3 at the operator's level: an application host populates a home (its categories, in its own
/// words, and its named policies); the CLI then validates, installs, shows, grants and revokes that application's
/// plugins and lists its policies. And the attacks: a manifest declaring its own implications or categories, and rows
/// in the store that try to redefine a built-in category or smuggle terminal escapes.
/// </summary>
[Trait("Issue", "18")]
public sealed class Issue18AppCategoriesCliTests : IDisposable
{
    private readonly TempHome _home = new();
    private readonly string _plugins = Directory.CreateTempSubdirectory("stockade-issue18-").FullName;

    public void Dispose()
    {
        _home.Dispose();
        Directory.Delete(_plugins, recursive: true);
    }

    /// <summary>The application's own service, as an app developer writes it.</summary>
    public sealed class InventoryService
    {
        [RequiresPermission("inventory:read")]
        public int Count(string item) => item.Length;

        [RequiresPermission("inventory:write")]
        public int Reorder(string item) => item.Length;

        [RequiresPermission("inventory:admin")]
        public void Reset()
        {
        }
    }

    private static PermissionCategory Inventory() => new(
        "inventory", ["read", "write", "admin"], description: "the shop's stock",
        actionDescriptions: new Dictionary<string, string> { ["read"] = "see stock levels", ["write"] = "change stock levels", ["admin"] = "manage the whole inventory" },
        implies: new Dictionary<string, IReadOnlyList<string>> { ["admin"] = ["*"] });

    /// <summary>What an application does at start: define its category, register its service and its policy; then it exits.</summary>
    private async Task PopulateAsAnAppAsync(bool define = true, string? policy = null)
    {
        await using var app = new PluginHost(new PluginHostOptions { Home = _home.Path });
        if (define)
        {
            app.DefineCategory(Inventory());
        }

        app.Services.Register("inventory", new InventoryService());
        if (policy is not null)
        {
            app.RegisterPolicy(policy, "web-plugin.json");
        }
    }

    private string Plugin(string permissions, string id = "com.example.restock")
    {
        var dir = Path.Combine(_plugins, id);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "plugin.yaml"),
            $"id: {id}\nname: Restock\nversion: 1.0.0\nruntime: process\nentry: plugin.py\ninterpreter: /usr/bin/python3\n{permissions}");
        File.WriteAllText(Path.Combine(dir, "plugin.py"), "import sys\nsys.exit(0)\n");
        return dir;
    }

    private const string Declares = "permissions:\n  required:\n    - permission: inventory:read\n      reason: checks stock\n  optional:\n    - permission: inventory:admin\n      reason: resets the counts\n";

    [Fact]
    public async Task AppCategory_IsValidatedInstalledShownGrantedAndRevoked_OnTheAppsHome()
    {
        await PopulateAsAnAppAsync();
        var dir = Plugin(Declares);

        var validate = await CliRunner.RunAsync("validate", dir, "--home", _home.Path);
        validate.ExitCode.ShouldBe(0, validate.Stdout + validate.Stderr);
        validate.Stdout.ShouldNotContain("STKM004");

        var install = await CliRunner.RunAsync("install", dir, "--grant", "inventory:read", "--yes", "--home", _home.Path);
        install.ExitCode.ShouldBe(0, install.Stdout + install.Stderr);
        install.Stdout.ShouldContain("see stock levels"); // the review speaks the application's words
        install.Stdout.ShouldContain("also gives inventory:read, inventory:write"); // and shows what admin implies

        var permissions = await CliRunner.RunAsync("permissions", "com.example.restock", "--home", _home.Path);
        permissions.ExitCode.ShouldBe(0, permissions.Stderr);
        permissions.Stdout.ShouldContain("see stock levels (inventory: the shop's stock)");
        permissions.Stdout.ShouldContain("manage the whole inventory");

        var grant = await CliRunner.RunAsync("grant", "com.example.restock", "inventory:admin", "--home", _home.Path);
        grant.ExitCode.ShouldBe(0, grant.Stderr);
        var narrower = await CliRunner.RunAsync("grant", "com.example.restock", "inventory:write=bolts", "--home", _home.Path);
        narrower.ExitCode.ShouldBe(0, narrower.Stderr); // within the declared admin, which the application says gives write

        // A plugin that declares only read cannot be granted admin: the app's implication never widens a declaration.
        (await CliRunner.RunAsync("install", Plugin("permissions:\n  required:\n    - inventory:read\n", "com.example.reader"), "--grant", "all", "--yes", "--home", _home.Path)).ExitCode.ShouldBe(0);
        var wider = await CliRunner.RunAsync("grant", "com.example.reader", "inventory:admin", "--home", _home.Path);
        wider.ExitCode.ShouldNotBe(0);
        wider.Stderr.ShouldContain("wider than anything plugin com.example.reader declares");

        var revoke = await CliRunner.RunAsync("revoke", "com.example.restock", "inventory:read", "--home", _home.Path);
        revoke.ExitCode.ShouldBe(0, revoke.Stderr);

        var json = await CliRunner.RunAsync("permissions", "com.example.restock", "--json", "--home", _home.Path);
        json.ExitCode.ShouldBe(0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var text = doc.RootElement.ToString();
        text.ShouldContain("inventory:admin");
        text.ShouldContain("see stock levels");
    }

    [Fact]
    public async Task ServiceOnly_WithoutDefinition_IsStillKnown()
    {
        await PopulateAsAnAppAsync(define: false);
        var dir = Plugin(Declares);

        var validate = await CliRunner.RunAsync("validate", dir, "--home", _home.Path);

        validate.ExitCode.ShouldBe(0, validate.Stdout + validate.Stderr);
    }

    [Fact]
    public async Task FreshHome_WithoutTheApp_StillRefusesTheCategory()
    {
        var dir = Plugin(Declares);

        var validate = await CliRunner.RunAsync("validate", dir, "--home", _home.Path);

        validate.ExitCode.ShouldBe(2);
        (validate.Stdout + validate.Stderr).ShouldContain("unknown permission category 'inventory'");
    }

    [Fact]
    public async Task Attack_ManifestDeclaringItsOwnImplications_IsRefused()
    {
        await PopulateAsAnAppAsync();
        var dir = Plugin("permissions:\n  required:\n    - permission: inventory:read\n      implies: [inventory:admin]\n");

        var validate = await CliRunner.RunAsync("validate", dir, "--home", _home.Path);
        var install = await CliRunner.RunAsync("install", dir, "--grant", "all", "--yes", "--home", _home.Path);

        validate.ExitCode.ShouldBe(2);
        (validate.Stdout + validate.Stderr).ShouldContain("implies");
        install.ExitCode.ShouldBe(2);
        (await CliRunner.RunAsync("list", "--json", "--home", _home.Path)).Stdout.ShouldNotContain("com.example.restock");
    }

    [Fact]
    public async Task Attack_StoreRowsRedefiningABuiltInOrCarryingEscapes_AreIgnored()
    {
        await PopulateAsAnAppAsync();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_home.Path, "stockade.db")};Pooling=False"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO host_categories(name, definition, recorded_at) VALUES
                  ('file', '{"name":"file","actions":[{"name":"read"},{"name":"admin","implies":["*"]}]}', '2026-01-01T00:00:00Z'),
                  ('evil', '{"name":"evil","description":"\u001b[2J\u001b]0;pwned\u0007","actions":[{"name":"read"}]}', '2026-01-01T00:00:00Z'),
                  ('sneak', '{"name":"sneak","actions":[{"name":"read","implies":["file:read"]}]}', '2026-01-01T00:00:00Z'),
                  (char(27) || '[31mred', '{"name":"x","actions":[{"name":"read"}]}', '2026-01-01T00:00:00Z');
                """;
            insert.ExecuteNonQuery();
        }

        // 'file:admin' stays unknown: the built-in category keeps its actions; the others were refused as rows.
        var file = await CliRunner.RunAsync("validate", Plugin("permissions:\n  required:\n    - file:admin=/etc/**\n", "com.example.file"), "--home", _home.Path);
        file.ExitCode.ShouldBe(2);
        (file.Stdout + file.Stderr).ShouldContain("unknown action 'admin' for category 'file'");

        var evil = await CliRunner.RunAsync("validate", Plugin("permissions:\n  required:\n    - evil:read\n    - sneak:read\n", "com.example.evil"), "--home", _home.Path);
        evil.ExitCode.ShouldBe(2);
        (evil.Stdout + evil.Stderr).ShouldContain("unknown permission category 'evil'");
        (evil.Stdout + evil.Stderr).ShouldContain("unknown permission category 'sneak'");

        // The application's own category still works beside them, and nothing printed carries an escape.
        var good = await CliRunner.RunAsync("install", Plugin(Declares), "--grant", "all", "--yes", "--home", _home.Path);
        good.ExitCode.ShouldBe(0, good.Stdout + good.Stderr);
        foreach (var output in new[] { file, evil, good })
        {
            (output.Stdout + output.Stderr).ShouldNotContain("\u001b");
            (output.Stdout + output.Stderr).ShouldNotContain("\u0007");
        }
    }

    private const string WebPlugin = """
        {
          "name": "web-plugin",
          "basedOn": "sandboxed",
          "description": "Plugins that read the shop's stock and call its web APIs.",
          "limits": { "memoryMb": 256, "openFiles": 128 },
          "timeouts": { "call": "10s" },
          "allowed": ["network:request=*.example.com:443", "inventory:read"],
          "forbidden": ["subprocess:execute", "inventory:admin"]
        }
        """;

    [Fact]
    public async Task NamedPolicy_RegisteredByTheApp_IsListedAndShown()
    {
        await PopulateAsAnAppAsync(policy: WebPlugin);

        var list = await CliRunner.RunAsync("policy", "list", "--home", _home.Path);
        list.ExitCode.ShouldBe(0, list.Stderr);
        list.Stdout.ShouldContain("web-plugin");
        list.Stdout.ShouldContain("sandboxed");

        var show = await CliRunner.RunAsync("policy", "show", "web-plugin", "--home", _home.Path);
        show.ExitCode.ShouldBe(0, show.Stderr);
        show.Stdout.ShouldContain("at most 256 MiB");
        show.Stdout.ShouldContain("inventory:admin");

        var json = await CliRunner.RunAsync("policy", "show", "web-plugin", "--json", "--home", _home.Path);
        using var doc = JsonDocument.Parse(json.Stdout);
        doc.RootElement.GetProperty("basedOn").GetString().ShouldBe("sandboxed");
        doc.RootElement.GetProperty("builtIn").GetBoolean().ShouldBeFalse();
        doc.RootElement.GetProperty("limits").GetProperty("memoryMb").GetInt32().ShouldBe(256);
        doc.RootElement.GetProperty("forbidden").EnumerateArray().Select(e => e.GetString()).ShouldBe(["subprocess:execute", "inventory:admin"]);

        var validate = await CliRunner.RunAsync("validate", Plugin(Declares), "--level", "web-plugin", "--home", _home.Path);
        validate.ExitCode.ShouldBe(0, validate.Stdout + validate.Stderr);

        // The operator runs a plugin under the app's policy by name; the CLI reads it from the home.
        var run = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-python"), "greet", "--input", """{"name":"policy"}""", "--level", "web-plugin", "--json", "--home", _home.Path);
        run.ExitCode.ShouldBe(0, run.Stdout + run.Stderr);
        run.Stdout.ShouldContain("Hello, policy!");
        var typo = await CliRunner.RunAsync("run", CliRunner.Sample("plugins/hello-python"), "greet", "--level", "web-plugn", "--home", _home.Path);
        typo.ExitCode.ShouldNotBe(0);
        typo.Stderr.ShouldContain("unknown security level 'web-plugn'");

        var missing = await CliRunner.RunAsync("policy", "show", "web-plugins", "--home", _home.Path);
        missing.ExitCode.ShouldBe(1);
        missing.Stderr.ShouldContain("Did you mean 'web-plugin'?");
    }

    [Fact]
    public async Task NamedPolicy_BadJson_IsRefusedAtRegistration_NamingTheLineAndField()
    {
        var bad = WebPlugin.Replace("\"memoryMb\": 256", "\"memoryMb\": 64", StringComparison.Ordinal);

        var error = await Should.ThrowAsync<FormatException>(() => PopulateAsAnAppAsync(policy: bad));

        error.Message.ShouldContain("web-plugin.json:5:");
        error.Message.ShouldContain("limits.memoryMb");
        error.Message.ShouldContain("below the minimum of 128");
        (await CliRunner.RunAsync("policy", "list", "--home", _home.Path)).Stdout.ShouldNotContain("web-plugin");
    }

    [Fact]
    public async Task NamedPolicy_TamperedInTheStore_IsReportedNeverUsed()
    {
        await PopulateAsAnAppAsync(policy: WebPlugin);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_home.Path, "stockade.db")};Pooling=False"))
        {
            connection.Open();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE host_policies SET source = '{\"name\": \"web-plugin\", \"basedOn\": \"' || char(27) || '[2Jstrict\"}'";
            update.ExecuteNonQuery();
        }

        var list = await CliRunner.RunAsync("policy", "list", "--home", _home.Path);

        list.ExitCode.ShouldBe(0);
        list.Stderr.ShouldContain("'web-plugin' recorded in this home is not valid");
        (list.Stdout + list.Stderr).ShouldNotContain("\u001b");
    }
}
