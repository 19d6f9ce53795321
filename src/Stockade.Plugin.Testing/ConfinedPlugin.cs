using System.Text;
using System.Text.Json;
using Stockade.Hosting;
using Stockade.Hosting.Broker.Handlers;
using Stockade.Hosting.Installation;

namespace Stockade.Plugin.Testing;

/// <summary>
/// A plugin of any runtime (.NET, Python, any executable) started in a real confined worker — stage-1 launcher,
/// Landlock, seccomp, rlimits, its own uid when the test runs as root — by a real <see cref="PluginHost"/> over a
/// throwaway home, installed there with the grants the test gives. What the kernel refuses the plugin (a file it did not
/// declare: EACCES) and what the broker refuses it surface exactly as in an application. Needs Linux with Landlock for the
/// default level (<c>sandboxed</c>); elsewhere the start is refused with the missing guarantee named.
/// </summary>
public sealed class ConfinedPlugin : IAsyncDisposable
{
    private readonly TestHome _home;
    private int _disposed;

    private ConfinedPlugin(PluginHost host, TestHome home, LoadedPlugin plugin)
    {
        Host = host;
        _home = home;
        Plugin = plugin;
    }

    /// <summary>The host running the plugin (its audit log, store and events are the test's to inspect).</summary>
    public PluginHost Host { get; }

    /// <summary>The loaded plugin: manifest, policy, and the guarantees this machine enforces for it.</summary>
    public LoadedPlugin Plugin { get; }

    /// <summary>The plugin's id.</summary>
    public string PluginId => Plugin.Id;

    /// <summary>The worker's process id while it runs.</summary>
    public int? ProcessId => Plugin.ProcessId;

    /// <summary>
    /// Installs the plugin in <paramref name="pluginDirectory"/> (the folder holding <c>plugin.yaml</c>, or the manifest
    /// file) into a throwaway home with <paramref name="grants"/> (each must be declared by its manifest), loads it and
    /// starts its worker.
    /// </summary>
    /// <exception cref="PluginRefusedException">The manifest is not valid, or a grant is not declared by it.</exception>
    /// <exception cref="LevelNotEnforceableException">This machine cannot enforce the level (e.g. no Landlock).</exception>
    /// <exception cref="PluginFailedException">The worker could not start.</exception>
    public static async Task<ConfinedPlugin> StartAsync(
        string pluginDirectory, IEnumerable<string>? grants = null, PluginTestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginDirectory);
        options ??= new PluginTestOptions();
        var directory = PluginFolder.Of(pluginDirectory);
        var level = options.Level ?? "sandboxed";
        var home = TestHome.Create();
        PluginHost? host = null;
        try
        {
            var hostOptions = new PluginHostOptions
            {
                Home = home.Home,
                DefaultLevel = level,
                WorkerUserId = options.WorkerUserId,
                WorkerGroupId = options.WorkerGroupId ?? options.WorkerUserId,
                Environment = options.Environment,
            };
            options.Host?.Invoke(hostOptions);
            host = new PluginHost(hostOptions) { PermissionPrompt = options.PermissionPrompt };
            options.Services?.Invoke(host.Services);

            var installed = new PluginInstaller(host).Install(directory, new InstallOptions { Grants = [.. grants ?? []], Level = level, Yes = true, By = "test" });
            Seed(host, installed.PluginId, options);
            var plugin = await host.LoadAsync(installed.PluginId, new PluginLoadOptions { Level = level }, cancellationToken).ConfigureAwait(false);
            return new ConfinedPlugin(host, home, plugin);
        }
        catch
        {
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            home.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Calls <paramref name="method"/> in the worker with <paramref name="input"/> (a <see cref="JsonElement"/>, or any
    /// object serialised with web JSON naming) and returns its JSON result. Failures are the host's exceptions: a refusal
    /// is a <see cref="PluginPermissionDeniedException"/> (kernel or broker), a throw a <see cref="PluginFailedException"/>.
    /// </summary>
    public Task<JsonElement> InvokeAsync(string method, object? input = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        JsonElement? element = input switch
        {
            null => null,
            JsonElement json => json,
            _ => JsonSerializer.SerializeToElement(input, input.GetType(), WebJson),
        };
        return Host.InvokeAsync(PluginId, method, element, cancellationToken);
    }

    /// <summary>Calls <paramref name="method"/> and reads its result as <typeparamref name="TResult"/> (web JSON naming, as plugins write results).</summary>
    public async Task<TResult?> InvokeAsync<TResult>(string method, object? input = null, CancellationToken cancellationToken = default)
    {
        var result = await InvokeAsync(method, input, cancellationToken).ConfigureAwait(false);
        return result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? default : result.Deserialize<TResult>(WebJson);
    }

    /// <summary>Fires <paramref name="hook"/> at the plugin (skipped, as by any host, when it is not granted <c>hook:register</c> for it).</summary>
    public async Task<HookResult?> FireHookAsync(string hook, object? payload = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        JsonElement? element = payload is null ? null : payload as JsonElement? ?? JsonSerializer.SerializeToElement(payload, payload.GetType(), WebJson);
        var results = await Host.FireHookAsync(hook, element, cancellationToken).ConfigureAwait(false);
        return results.FirstOrDefault(r => r.PluginId == PluginId);
    }

    /// <summary>Stops the worker and removes the throwaway home.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Host.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _home.Dispose();
        }
    }

    private static JsonSerializerOptions WebJson => StockadeJson.Options; // the worker's conventions, as any host uses them

    private static void Seed(PluginHost host, string pluginId, PluginTestOptions options)
    {
        foreach (var (key, value) in options.Config)
        {
            host.Store.SetConfig(pluginId, key, JsonSerializer.Serialize(value, WebJson));
        }

        foreach (var (key, value) in options.Store)
        {
            var (ns, name) = BrokerJson.SplitKey(key);
            host.Store.SetValue(pluginId, ns, name, Encoding.UTF8.GetBytes(value));
        }
    }
}
