using System.Text.Json;
using Stockade.Plugin;

namespace Stockade.Plugin.Testing.Tests.KitProbe;

/// <summary>Input of every probe method; each reads the members it needs.</summary>
public sealed record Probe(string? Key = null, string? Value = null, string? Url = null, string? Path = null, string? Service = null, string? Method = null, string? Permission = null);

/// <summary>What the plugin saw when a probe failed: the exception's type and message, and the SDK's code and permission.</summary>
public sealed record Seen(bool Ok, string? Value, string? Type, string? Message, string? Code, string? Permission);

/// <summary>
/// One method per capability. The plain methods let whatever the host (or the kernel) refuses propagate; <c>attempt</c>
/// catches it and reports what the plugin saw, so a test can compare a real host run with an in-process one.
/// </summary>
public sealed class KitProbePlugin : IPlugin
{
    private IPluginContext? _context;

    private IPluginContext Context => _context ?? throw new InvalidOperationException("not initialized");

    /// <summary>Where the host put the plugin's data folder.</summary>
    public string? DataDirectory => _context?.DataDirectory;

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads a configuration key (JSON text, or null).</summary>
    [PluginMethod("configGet")]
    public async Task<string?> ConfigGetAsync(Probe probe, CancellationToken cancellationToken) =>
        (await Context.Config.GetAsync(probe.Key!, cancellationToken).ConfigureAwait(false))?.GetRawText();

    /// <summary>Writes a configuration key (a JSON string value).</summary>
    [PluginMethod("configSet")]
    public async Task ConfigSetAsync(Probe probe, CancellationToken cancellationToken) =>
        await Context.Config.SetAsync(probe.Key!, JsonSerializer.SerializeToElement(probe.Value), cancellationToken).ConfigureAwait(false);

    /// <summary>Reads a key of the key-value store.</summary>
    [PluginMethod("kvGet")]
    public async Task<string?> KvGetAsync(Probe probe, CancellationToken cancellationToken) =>
        await Context.Store.GetAsync(probe.Key!, cancellationToken).ConfigureAwait(false);

    /// <summary>Writes a key of the key-value store.</summary>
    [PluginMethod("kvSet")]
    public async Task KvSetAsync(Probe probe, CancellationToken cancellationToken) =>
        await Context.Store.SetAsync(probe.Key!, probe.Value ?? string.Empty, cancellationToken).ConfigureAwait(false);

    /// <summary>Lists the keys of the key-value store under a prefix.</summary>
    [PluginMethod("kvList")]
    public async Task<IReadOnlyList<string>> KvListAsync(Probe probe, CancellationToken cancellationToken) =>
        await Context.Store.ListAsync(probe.Key, cancellationToken).ConfigureAwait(false);

    /// <summary>GETs a URL through the host and returns the status and body.</summary>
    [PluginMethod("fetch")]
    public async Task<string> FetchAsync(Probe probe, CancellationToken cancellationToken)
    {
        using var response = await Context.Http.GetAsync(new Uri(probe.Url!), cancellationToken).ConfigureAwait(false);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
    }

    /// <summary>Calls a host service's method without arguments and returns its JSON result.</summary>
    [PluginMethod("service")]
    public async Task<string> ServiceAsync(Probe probe, CancellationToken cancellationToken) =>
        (await Context.Services.CallAsync(probe.Service!, probe.Method!, null, cancellationToken).ConfigureAwait(false)).GetRawText();

    /// <summary>Asks for an optional permission; returns whether it is granted now.</summary>
    [PluginMethod("ask")]
    public async Task<bool> AskAsync(Probe probe, CancellationToken cancellationToken) =>
        await Context.RequestPermissionAsync(probe.Permission!, "the test asks", cancellationToken).ConfigureAwait(false);

    /// <summary>Reads a file with plain System.IO (the kernel decides, not the broker).</summary>
    [PluginMethod("readFile")]
    public string ReadFile(Probe probe) => File.ReadAllText(probe.Path!);

    /// <summary>Runs one of the methods above by name and reports what the plugin saw instead of throwing.</summary>
    [PluginMethod("attempt")]
    public async Task<Seen> AttemptAsync(JsonElement request, CancellationToken cancellationToken)
    {
        var op = request.GetProperty("op").GetString();
        var probe = request.Deserialize<Probe>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        try
        {
            var value = op switch
            {
                "configGet" => await ConfigGetAsync(probe, cancellationToken).ConfigureAwait(false),
                "configSet" => await Done(ConfigSetAsync(probe, cancellationToken)).ConfigureAwait(false),
                "kvGet" => await KvGetAsync(probe, cancellationToken).ConfigureAwait(false),
                "kvSet" => await Done(KvSetAsync(probe, cancellationToken)).ConfigureAwait(false),
                "fetch" => await FetchAsync(probe, cancellationToken).ConfigureAwait(false),
                "readFile" => ReadFile(probe),
                "service" => await ServiceAsync(probe, cancellationToken).ConfigureAwait(false),
                _ => throw new ArgumentException($"unknown op {op}"),
            };
            return new Seen(true, value, null, null, null, null);
        }
        catch (Exception e)
        {
            return new Seen(false, null, e.GetType().FullName, e.Message, (e as StockadeException)?.Code, (e as PermissionDeniedException)?.Permission);
        }
    }

    private static async Task<string?> Done(Task task)
    {
        await task.ConfigureAwait(false);
        return "done";
    }
}
