using System.Text.Json;
using Stockade.Plugin;

namespace Samples.Capabilities;

/// <summary>
/// Reaches the host only through the broker: each method performs one brokered request and reports what the
/// plugin saw — the value, or the refusal (code, permission, retry-after) — so a host or a test can check both.
/// </summary>
public sealed class CapabilitiesPlugin : IPlugin
{
    private IPluginContext? _context;

    private IPluginContext Context => _context ?? throw new InvalidOperationException("not initialized");

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        return ValueTask.CompletedTask;
    }

    /// <summary>Calls a host service method.</summary>
    [PluginMethod("service")]
    public Task<Outcome> ServiceAsync(ServiceInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () => await Context.Services.CallAsync(input.Service, input.Method, input.Args, cancellationToken).ConfigureAwait(false));

    /// <summary>Reads a key of the plugin's configuration.</summary>
    [PluginMethod("configGet")]
    public Task<Outcome> ConfigGetAsync(KeyInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () => await Context.Config.GetAsync(input.Key, cancellationToken).ConfigureAwait(false) ?? JsonSerializer.SerializeToElement<string?>(null));

    /// <summary>Writes a key of the plugin's configuration.</summary>
    [PluginMethod("configSet")]
    public Task<Outcome> ConfigSetAsync(KeyValueInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () =>
        {
            await Context.Config.SetAsync(input.Key, JsonSerializer.SerializeToElement(input.Value), cancellationToken).ConfigureAwait(false);
            return JsonSerializer.SerializeToElement(true);
        });

    /// <summary>Reads a key of the plugin's key-value store.</summary>
    [PluginMethod("kvGet")]
    public Task<Outcome> KvGetAsync(KeyInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () => JsonSerializer.SerializeToElement(await Context.Store.GetAsync(input.Key, cancellationToken).ConfigureAwait(false)));

    /// <summary>Writes a key of the plugin's key-value store.</summary>
    [PluginMethod("kvSet")]
    public Task<Outcome> KvSetAsync(KeyValueInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () =>
        {
            await Context.Store.SetAsync(input.Key, input.Value ?? string.Empty, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.SerializeToElement(true);
        });

    /// <summary>Lists the keys of the plugin's key-value store under a prefix.</summary>
    [PluginMethod("kvList")]
    public Task<Outcome> KvListAsync(PrefixInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () => JsonSerializer.SerializeToElement(await Context.Store.ListAsync(input.Prefix, cancellationToken).ConfigureAwait(false)));

    /// <summary>Deletes a key of the plugin's key-value store.</summary>
    [PluginMethod("kvDelete")]
    public Task<Outcome> KvDeleteAsync(KeyInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () => JsonSerializer.SerializeToElement(await Context.Store.DeleteAsync(input.Key, cancellationToken).ConfigureAwait(false)));

    /// <summary>Asks for a declared optional permission; the host (or a person) decides.</summary>
    [PluginMethod("ask")]
    public Task<Outcome> AskAsync(AskInput input, CancellationToken cancellationToken) =>
        Outcome.Of(async () => JsonSerializer.SerializeToElement(await Context.RequestPermissionAsync(input.Permission, input.Reason, cancellationToken).ConfigureAwait(false)));

    /// <summary>The value of an environment variable as the worker sees it (only granted ones exist).</summary>
    [PluginMethod("env")]
    public string? Env(NameInput input) => Environment.GetEnvironmentVariable(input.Name);
}
