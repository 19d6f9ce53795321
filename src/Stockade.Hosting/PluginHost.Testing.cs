using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>
    /// For Stockade.Plugin.Testing's in-process mode: resolves a plugin folder exactly as <see cref="LoadAsync"/> does
    /// (manifest, development grants checked against it, level, policy) and gives the broker a worker of it would get,
    /// with <paramref name="ports"/> replacing parts (the in-memory data, the test's HTTP transport). Starts no worker;
    /// the plugin is not tracked by this host.
    /// </summary>
    internal async Task<(LoadedPlugin Plugin, PluginBroker Broker)> ResolveForTestingAsync(string directory, PluginLoadOptions options, Func<BrokerPorts, BrokerPorts> ports)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ports);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var (plugin, _) = await Resolver.ResolveAsync(directory, options).ConfigureAwait(false);
        var slot = new PluginSlot(plugin) { Loggers = new PluginLoggers(_loggerFactory, plugin.Id) };
        var previous = BrokerPortsDecorator;
        BrokerPortsDecorator = previous is null ? ports : p => ports(previous(p));
        try
        {
            return (plugin, NewBroker(slot));
        }
        finally
        {
            BrokerPortsDecorator = previous;
        }
    }
}
