using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using Stockade.Core.Manifest;
using Stockade.Core.Policy;
using Stockade.Hosting;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Handlers;
using Stockade.Hosting.Broker.Http;
using Stockade.Protocol;
using Stockade.Plugin.Serving;
using Stockade.Worker;

namespace Stockade.Plugin.Testing;

/// <summary>
/// Runs a C# plugin in the test's own process under a fake host that enforces its manifest: every brokered call
/// (configuration, key-value store, HTTP, host services, optional permissions, log) goes through the real broker's
/// pipeline — the manifest's declarations intersected with the test's grants, rate limits, quotas — and a refusal
/// reaches the plugin as the same exception with the same message a real host gives. The key-value store and
/// configuration live in memory, HTTP is answered by a handler the test supplies. Nothing is confined: for the kernel's
/// view (Landlock, seccomp) use <see cref="ConfinedPlugin"/>.
/// </summary>
public static class InProcessPlugin
{
    private static readonly IPAddress DocumentationAddress = IPAddress.Parse("192.0.2.1");

    /// <summary>
    /// Creates <typeparamref name="TPlugin"/>, gives it a context under the manifest in <paramref name="pluginDirectory"/>
    /// (the folder holding <c>plugin.yaml</c>, or the manifest file itself) and <paramref name="grants"/> (each must be
    /// declared by the manifest), and calls its <c>InitializeAsync</c>.
    /// </summary>
    /// <exception cref="PluginRefusedException">The manifest is not valid, or a grant is not declared by it.</exception>
    /// <exception cref="ArgumentException">The manifest names another entry type, or is not a .NET plugin's.</exception>
    public static async Task<InProcessPlugin<TPlugin>> StartAsync<TPlugin>(
        string pluginDirectory, IEnumerable<string>? grants = null, PluginTestOptions? options = null, CancellationToken cancellationToken = default)
        where TPlugin : class, IPlugin, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginDirectory);
        options ??= new PluginTestOptions();
        var directory = PluginFolder.Of(pluginDirectory);
        var dispatcher = PluginDispatcher.Create(typeof(TPlugin), out var shapeError)
            ?? throw new ArgumentException(shapeError, nameof(TPlugin));

        var home = TestHome.Create();
        PluginHost? host = null;
        var handedOver = false;
        try
        {
            var hostOptions = new PluginHostOptions { Home = home.Home, AllowDowngrade = true };
            options.Host?.Invoke(hostOptions);
            host = new PluginHost(hostOptions) { PermissionPrompt = options.PermissionPrompt };
            options.Services?.Invoke(host.Services);

            var data = new MemoryPluginData(hostOptions.ConfigQuotaKb * 1024L, hostOptions.KeyValueQuotaMb * 1024L * 1024L);
            Seed(data, options);
            var resolve = options.NameResolver;
            var http = new BrokeredHttp(
                hostOptions.Http,
                (name, _) => Task.FromResult(resolve is null ? [DocumentationAddress] : resolve(name)),
                new TestHttpTransport(options.Http));
            var (plugin, broker) = await host.ResolveForTestingAsync(
                directory,
                new PluginLoadOptions { Level = options.Level ?? "sandboxed", AllowDowngrade = true, Grants = [.. grants ?? []] },
                ports => ports with { Data = data, Http = http }).ConfigureAwait(false);
            CheckEntry(plugin.Manifest, typeof(TPlugin));

            var dataDirectory = Directory.CreateDirectory(host.Home.DataDirectory(plugin.Id)).FullName;
            var tempDirectory = Directory.CreateDirectory(Path.Combine(host.Home.TempDirectory(plugin.Id), "in-process")).FullName;
            var toHost = new Pipe();
            var toPlugin = new Pipe();
            var hostPeer = new JsonRpcPeer(toHost.Reader.AsStream(), toPlugin.Writer.AsStream(), ProtocolLimits.Default, broker);
            var pluginPeer = new JsonRpcPeer(toPlugin.Reader.AsStream(), toHost.Writer.AsStream(), ProtocolLimits.Default, NoHostRequests.Instance);
            hostPeer.Start();
            pluginPeer.Start();
            var context = new PluginContext(pluginPeer, new InitializeParams(
                plugin.Id, plugin.EffectiveLevel.ToName(), directory, dataDirectory, tempDirectory, null,
                [.. plugin.Policy.Granted.Select(p => p.ToString())]));

            var instance = new TPlugin();
            var started = new InProcessPlugin<TPlugin>(instance, dispatcher, plugin, host, home, data, http, hostPeer, pluginPeer, broker);
            handedOver = true; // the started plugin owns the host and the home now, and releases them when disposed
            try
            {
                await instance.InitializeAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await started.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return started;
        }
        catch when (!handedOver)
        {
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            home.Dispose();
            throw;
        }
    }

    private static void Seed(MemoryPluginData data, PluginTestOptions options)
    {
        foreach (var (key, value) in options.Config)
        {
            data.SetConfig(key, JsonSerializer.Serialize(value, PluginJson.Options));
        }

        foreach (var (key, value) in options.Store)
        {
            var (ns, name) = BrokerJson.SplitKey(key);
            data.SetValue(ns, name, System.Text.Encoding.UTF8.GetBytes(value));
        }
    }

    private static void CheckEntry(PluginManifest manifest, Type type)
    {
        if (manifest.Runtime is not (PluginRuntime.Dotnet or PluginRuntime.Native)) // a NativeAOT plugin is the same C# class
        {
            throw new ArgumentException($"the manifest of '{manifest.Id}' is for runtime '{manifest.Runtime}', not a .NET plugin; run it with ConfinedPlugin.StartAsync");
        }

        if (manifest.EntryType is { Length: > 0 } entryType && !string.Equals(entryType, type.FullName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the manifest of '{manifest.Id}' names entryType '{entryType}', not '{type.FullName}'; test the type the manifest names");
        }
    }

    // The plugin side of the in-memory connection: the host never sends it requests in process (the kit calls the
    // plugin's methods itself).
    private sealed class NoHostRequests : IJsonRpcHandler
    {
        public static readonly NoHostRequests Instance = new();

        public ValueTask<JsonElement?> HandleRequestAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
            throw RpcException.MethodNotFound(method);

        public ValueTask HandleNotificationAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
            throw RpcException.MethodNotFound(method);
    }
}
