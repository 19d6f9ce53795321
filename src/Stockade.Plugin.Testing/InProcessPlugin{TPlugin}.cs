using System.Text.Json;
using Stockade.Hosting;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Http;
using Stockade.Protocol;
using Stockade.Worker;

namespace Stockade.Plugin.Testing;

/// <summary>
/// A plugin started by <see cref="InProcessPlugin.StartAsync{TPlugin}"/>. Call its methods by name
/// (<see cref="InvokeAsync(string, object?, CancellationToken)"/>, input and result as the host passes them) or directly
/// on <see cref="Instance"/>. What the plugin throws reaches the test as it is: a refused brokered call is the plugin's
/// <see cref="PermissionDeniedException"/>, with the real broker's message.
/// </summary>
/// <typeparam name="TPlugin">The plugin's type.</typeparam>
public sealed class InProcessPlugin<TPlugin> : IAsyncDisposable
    where TPlugin : class, IPlugin
{
    private readonly PluginDispatcher _dispatcher;
    private readonly PluginHost _host;
    private readonly TestHome _home;
    private readonly MemoryPluginData _data;
    private readonly BrokeredHttp _http;
    private readonly JsonRpcPeer _hostPeer;
    private readonly JsonRpcPeer _pluginPeer;
    private readonly PluginBroker _broker;
    private int _disposed;

    internal InProcessPlugin(TPlugin instance, PluginDispatcher dispatcher, LoadedPlugin plugin, PluginHost host, TestHome home, MemoryPluginData data, BrokeredHttp http, JsonRpcPeer hostPeer, JsonRpcPeer pluginPeer, PluginBroker broker)
    {
        Instance = instance;
        _dispatcher = dispatcher;
        Plugin = plugin;
        _host = host;
        _home = home;
        _data = data;
        _http = http;
        _hostPeer = hostPeer;
        _pluginPeer = pluginPeer;
        _broker = broker;
    }

    /// <summary>The plugin object, initialised; its methods may be called directly.</summary>
    public TPlugin Instance { get; }

    /// <summary>The plugin as the host resolved it: manifest, policy (declared ∩ granted), level.</summary>
    public LoadedPlugin Plugin { get; }

    /// <summary>The plugin's id.</summary>
    public string PluginId => Plugin.Id;

    /// <summary>The methods the plugin exposes (<see cref="PluginMethodAttribute"/>).</summary>
    public IReadOnlyList<string> Methods => _dispatcher.MethodNames;

    /// <summary>The plugin's configuration as the host holds it now: key → JSON text.</summary>
    public IReadOnlyDictionary<string, string> Config => _data.ConfigSnapshot();

    /// <summary>The plugin's key-value store now: <c>namespace/key</c> (bare for the default namespace) → value.</summary>
    public IReadOnlyDictionary<string, string> Store => _data.StoreSnapshot();

    /// <summary>How many brokered calls the host refused so far.</summary>
    public int DenialCount => _broker.DenialCount;

    /// <summary>
    /// Calls the plugin's method <paramref name="method"/> with <paramref name="input"/> (a <see cref="JsonElement"/>, or
    /// any object, serialised as the host would send it) and returns its JSON result (default for none).
    /// </summary>
    /// <exception cref="ArgumentException">No such method, or the input does not fit its parameter.</exception>
    public async Task<JsonElement> InvokeAsync(string method, object? input = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var target = _dispatcher.FindMethod(method)
            ?? throw new ArgumentException($"the plugin has no method '{method}'; it offers: {string.Join(", ", _dispatcher.MethodNames)}", nameof(method));
        return await CallAsync(target, input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Calls <paramref name="method"/> and reads its result as <typeparamref name="TResult"/> (web JSON naming, as plugins write results).</summary>
    public async Task<TResult?> InvokeAsync<TResult>(string method, object? input = null, CancellationToken cancellationToken = default)
    {
        var result = await InvokeAsync(method, input, cancellationToken).ConfigureAwait(false);
        return result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? default : result.Deserialize<TResult>(PluginJson.Options);
    }

    /// <summary>Fires the hook <paramref name="hook"/> at the plugin (it needs <c>hook:register</c> for it, as with a real host).</summary>
    /// <exception cref="ArgumentException">The plugin does not handle the hook.</exception>
    /// <exception cref="InvalidOperationException">The plugin is not granted <c>hook:register</c> for the hook: a real host never fires it at the plugin.</exception>
    public async Task<JsonElement> FireHookAsync(string hook, object? payload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hook);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var target = _dispatcher.FindHook(hook) ?? throw new ArgumentException($"the plugin does not handle hook '{hook}'", nameof(hook));
        var permission = $"hook:register={hook}";
        if (!_broker.IsGranted(permission))
        {
            // A real host's FireHookAsync skips a plugin without the grant: the hook never reaches it.
            throw new InvalidOperationException($"a host never fires '{hook}' at '{PluginId}': it is not granted {permission} (declare it and grant it)");
        }

        return await CallAsync(target, payload, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonElement> CallAsync(PluginMethod target, object? input, CancellationToken cancellationToken)
    {
        JsonElement? element = input switch
        {
            null => null,
            JsonElement json => json,
            _ => JsonSerializer.SerializeToElement(input, input.GetType(), PluginJson.Options),
        };
        try
        {
            return await target.InvokeAsync(Instance, element, cancellationToken).ConfigureAwait(false) ?? default;
        }
        catch (RpcException e) when (e.Code == RpcErrorCode.InvalidParams)
        {
            throw new ArgumentException(e.Message, nameof(input), e);
        }
    }

    /// <summary>Disposes the plugin (when it is <see cref="IAsyncDisposable"/>), its fake host and its throwaway home.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (Instance is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _pluginPeer.DisposeAsync().ConfigureAwait(false);
            await _hostPeer.DisposeAsync().ConfigureAwait(false);
            _broker.WorkerEnded();
            _http.Dispose();
            await _host.DisposeAsync().ConfigureAwait(false);
            _home.Dispose();
        }
    }
}
