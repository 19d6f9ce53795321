using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stockade.Hosting;
using Stockade.Hosting.Installation;
using StockadeHost;

// An application that hosts Stockade plugins. Each plugin runs in its own worker process, confined by the kernel
// (Landlock, seccomp, rlimits); it reaches this application only through the broker, which checks what the plugin
// declared in plugin.yaml and what a person granted.
//
//   dotnet run                                  calls the plugins installed in the Stockade home
//   dotnet run -- --home DIR                    ... in another home (default: $STOCKADE_HOME, else ~/.stockade,
//                                               or /var/lib/stockade for root: the same as the stockade tool)
//   dotnet run -- path/to/plugin [--grant P]    also loads a plugin folder under development, granting P
//
// Install a plugin for it with the stockade tool: stockade install path/to/plugin --grant all --yes
var options = CommandLine.Parse(args);
if (options.Error is { } usage)
{
    Console.Error.WriteLine(usage);
    return 1;
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddStockade(o => o.Home = options.Home);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<ClockService>();
using var app = builder.Build();
await app.StartAsync(); // validates the Stockade options: every problem in one message

var host = app.Services.GetRequiredService<PluginHost>();
// Before loading plugins: registering the service makes 'clock:read' a permission its plugins may declare.
host.Services.Register("clock", app.Services.GetRequiredService<ClockService>());
host.PluginEvent += (_, e) =>
{
    if (e.Kind is not (PluginEventKind.Started or PluginEventKind.Stopped))
    {
        Console.WriteLine($"  event: {e.PluginId} {e.Kind}: {Terminal.Safe(e.Message)}");
    }
};

Console.WriteLine($"Stockade home: {options.Home}");
var failures = 0;
var toLoad = new List<(string Source, PluginLoadOptions? Load)>();
toLoad.AddRange(new PluginInstaller(host).ListInstalled().Where(p => p.Enabled).Select(p => (p.Id, (PluginLoadOptions?)null)));
toLoad.AddRange(options.Folders.Select(f => (Path.GetFullPath(f), (PluginLoadOptions?)new PluginLoadOptions { Grants = options.Grants })));
if (toLoad.Count == 0)
{
    Console.WriteLine("No plugins yet. Create one (dotnet new stockade-plugin), build it, then install it here:");
    Console.WriteLine($"  stockade install <plugin folder> --home {options.Home} --grant all --yes");
    return 0;
}

foreach (var (source, load) in toLoad)
{
    try
    {
        var plugin = await host.LoadAsync(source, load);
        Console.WriteLine($"loaded {plugin.Id} {plugin.Manifest.Version} ({(plugin.IsInstalled ? "installed" : "folder")}) at '{plugin.EffectiveLevel.ToString().ToLowerInvariant()}'");
        if (plugin.Methods.Contains("hello"))
        {
            var result = await host.InvokeAsync(plugin.Id, "hello", JsonSerializer.SerializeToElement(new { name = "Stockade" }));
            // Re-serialised with the default encoder: whatever a plugin sends reaches the terminal escaped.
            Console.WriteLine($"{plugin.Id} hello -> {JsonSerializer.Serialize(result)}");
        }
        else
        {
            Console.WriteLine($"{plugin.Id} has no 'hello' method; its methods: {Terminal.Safe(string.Join(", ", plugin.Methods))}");
        }

        Report.Write(plugin);
    }
    catch (LevelNotEnforceableException ex)
    {
        // Fail secure: on a machine without Landlock (or not Linux) the plugin is refused, naming what is missing.
        Console.Error.WriteLine($"{Terminal.Safe(source)}: refused: {Terminal.Safe(ex.Message)}");
        failures++;
    }
    catch (PluginException ex)
    {
        Console.Error.WriteLine($"{Terminal.Safe(source)}: {ex.GetType().Name}: {Terminal.Safe(ex.Message)}");
        failures++;
    }
}

Console.WriteLine($"clock service: {host.Services.ServiceNames.Count} service(s) offered to plugins ({string.Join(", ", host.Services.DeclaredPermissions)})");
await app.StopAsync();
return failures == 0 ? 0 : 1;

/// <summary>The command line of this application.</summary>
internal sealed record CommandLine(string Home, IReadOnlyList<string> Folders, IReadOnlyList<string> Grants, string? Error)
{
    public static CommandLine Parse(string[] args)
    {
        string? home = null;
        var folders = new List<string>();
        var grants = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--home" when i + 1 < args.Length:
                    home = args[++i];
                    break;
                case "--grant" when i + 1 < args.Length:
                    grants.Add(args[++i]);
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    return new("", [], [], $"unknown option '{option}'; usage: [--home DIR] [plugin folder...] [--grant PERMISSION...]");
                default:
                    folders.Add(args[i]);
                    break;
            }
        }

        return new(Path.GetFullPath(home ?? DefaultHome()), folders, grants, null);
    }

    // The stockade tool's rule, so both find the same installed plugins.
    private static string DefaultHome() =>
        Environment.GetEnvironmentVariable("STOCKADE_HOME") is { Length: > 0 } env ? env
        : Environment.IsPrivilegedProcess ? StockadeHome.RootDefault
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".stockade");
}

/// <summary>The guarantee report: for every permission and limit, who enforces it on this machine.</summary>
internal static class Report
{
    public static void Write(LoadedPlugin plugin)
    {
        Console.WriteLine($"guarantees of {plugin.Id} at '{plugin.EffectiveLevel.ToString().ToLowerInvariant()}':");
        foreach (var g in plugin.Guarantees)
        {
            Console.WriteLine($"  {g.Layer.ToString().ToLowerInvariant(),-9} {g.Subject} [{g.Mechanism}]");
        }

        Console.WriteLine($"  Landlock: {Enforced(plugin, "Landlock")}");
        Console.WriteLine($"  seccomp: {Enforced(plugin, "seccomp")}");
    }

    private static string Enforced(LoadedPlugin plugin, string mechanism) =>
        plugin.Guarantees.Any(g => g.Layer == EnforcementLayer.Kernel && g.Mechanism.StartsWith(mechanism, StringComparison.Ordinal))
            ? "enforced by the kernel"
            : "NOT enforced on this machine";
}

/// <summary>Text from plugins is data: control and formatting characters never reach the terminal.</summary>
internal static class Terminal
{
    public static string Safe(string? text)
    {
        var safe = new StringBuilder(text?.Length ?? 0);
        foreach (var c in text ?? "")
        {
            var category = char.GetUnicodeCategory(c);
            safe.Append(char.IsControl(c) || category is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate ? '?' : c);
        }

        return safe.ToString();
    }
}
