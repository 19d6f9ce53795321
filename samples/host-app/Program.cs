using System.Text.Json;
using Samples.HostApp;
using Stockade.Core.Permissions;
using Stockade.Hosting;

// A plugin-hosting application in a few lines: one PluginHost per application, plugins loaded from folders
// (or installed ones by id), calls with typed JSON in and out, a service of the application exposed to plugins
// under a permission the broker enforces, and events for everything that happens to a worker.
// The samples folder: given, or found from this program's build output (samples/host-app/bin/<config>/<tfm>/).
var samples = args.Length > 0 ? args[0] : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../.."));
var home = Directory.CreateTempSubdirectory("stockade-host-app-").FullName;
try
{
    await using var host = new PluginHost(new PluginHostOptions { Home = home });
    host.PluginEvent += (_, e) => Console.WriteLine($"  event: {e.PluginId} {e.Kind}: {e.Message}");
    // The application's own permission category, in its words; recorded in the home, so `stockade install`,
    // `permissions`, `grant` and `revoke` on this home describe it this way. Only the application says that admin
    // gives every other inventory action; a plugin's manifest never can.
    host.DefineCategory(new PermissionCategory("inventory", ["read", "write", "admin"],
        description: "the shop's stock",
        actionDescriptions: new Dictionary<string, string> { ["read"] = "see stock levels", ["write"] = "reorder items", ["admin"] = "manage the whole inventory" },
        implies: new Dictionary<string, IReadOnlyList<string>> { ["admin"] = ["*"] }));
    host.Services.Register("inventory", new InventoryService()); // methods carry [RequiresPermission]

    // 1. A plain call: the plugin runs in its own confined worker; the result is JSON.
    await host.LoadAsync(Path.Combine(samples, "plugins/hello-csharp"));
    var greeting = await host.InvokeAsync("samples.hello", "greet", JsonSerializer.SerializeToElement(new { name = "Ada" }));
    Console.WriteLine($"greet -> {greeting}");

    // 2. A plugin written for this application calls its service. It is granted 'inventory:read'; its optional
    //    'inventory:write' is not granted, so the broker refuses the reorder before InventoryService runs.
    //    (Grants here are for a plugin loaded from a folder; installed plugins get the grants a person gave.)
    await host.LoadAsync(Path.Combine(samples, "host-app/plugins/restock"), new PluginLoadOptions { Grants = ["inventory:read"] });
    foreach (var item in new[] { "bolts", "nuts" })
    {
        var report = await host.InvokeAsync("samples.restock", "check", JsonSerializer.SerializeToElement(new { item, minimum = 100 }));
        Console.WriteLine($"restock.check {item} -> {report}");
    }

    // 3. What the kernel enforces for each plugin, and a failure the application can handle.
    var hello = host.Plugins.Single(p => p.Id == "samples.hello");
    Console.WriteLine($"samples.hello runs at '{hello.EffectiveLevel}' with {hello.Guarantees.Count} guarantees listed");
    try
    {
        await host.InvokeAsync("samples.hello", "throw");
    }
    catch (PluginFailedException ex)
    {
        Console.WriteLine($"throw -> {ex.Kind}: {ex.Message}");
    }

    Console.WriteLine($"still serving: {await host.InvokeAsync("samples.hello", "greet", JsonSerializer.SerializeToElement(new { name = "again" }))}");
    return 0;
}
finally
{
    Directory.Delete(home, recursive: true);
}
