using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Stockade.Hosting.Installation;

namespace Stockade.Hosting.DependencyInjection;

/// <summary>
/// Loads the installed, enabled plugins of the host's home when the application starts (one after another, in id order,
/// so their start-up is not a burst on the machine), and unloads the ones it loaded when the application stops. A plugin
/// that cannot load is logged with its next step and the others still load, unless
/// <see cref="StockadeLoadingOptions.StopOnLoadFailure"/>.
/// </summary>
internal sealed partial class StockadeLoadingService(PluginHost host, IOptions<StockadeLoadingOptions> options, ILoggerFactory? loggerFactory = null) : IHostedService
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<StockadeLoadingService>();
    private readonly List<string> _loaded = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var installed = new PluginInstaller(host).ListInstalled();
        var wanted = settings.PluginIds is { } ids ? new HashSet<string>(ids, StringComparer.Ordinal) : null;
        foreach (var plugin in installed)
        {
            if (wanted is not null && !wanted.Contains(plugin.Id))
            {
                continue;
            }

            if (!plugin.Enabled)
            {
                LogSkippedDisabled(_logger, plugin.Id);
                continue;
            }

            try
            {
                await host.LoadAsync(plugin.Id, settings.LoadOptions, cancellationToken).ConfigureAwait(false);
                lock (_loaded)
                {
                    _loaded.Add(plugin.Id);
                }

                LogLoaded(_logger, plugin.Id, plugin.Version);
            }
            catch (PluginException ex) when (!settings.StopOnLoadFailure)
            {
                LogLoadFailed(_logger, plugin.Id, ex.Message, ex.NextStep ?? "see the error above");
            }
        }

        if (wanted is not null)
        {
            foreach (var missing in wanted.Where(id => installed.All(p => p.Id != id)).Order(StringComparer.Ordinal))
            {
                var ex = new PluginNotFoundException(missing, $"plugin '{missing}' is not installed in {host.Home.Root}", "install it (stockade install <its folder>), or remove it from StockadeLoadingOptions.PluginIds.");
                if (settings.StopOnLoadFailure)
                {
                    throw ex;
                }

                LogLoadFailed(_logger, missing, ex.Message, ex.NextStep!);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        string[] loaded;
        lock (_loaded)
        {
            loaded = [.. _loaded];
            _loaded.Clear();
        }

        await Task.WhenAll(loaded.Select(id => host.UnloadAsync(id, cancellationToken))).ConfigureAwait(false);
    }

    [LoggerMessage(1150, LogLevel.Information, "Loaded installed plugin {PluginId} {Version} at start-up")]
    private static partial void LogLoaded(ILogger logger, string pluginId, string version);

    [LoggerMessage(1151, LogLevel.Error, "Could not load installed plugin {PluginId} at start-up: {Reason}. Next: {NextStep}")]
    private static partial void LogLoadFailed(ILogger logger, string pluginId, string reason, string nextStep);

    [LoggerMessage(1152, LogLevel.Information, "Installed plugin {PluginId} is disabled; not loaded at start-up (stockade enable {PluginId})")]
    private static partial void LogSkippedDisabled(ILogger logger, string pluginId);
}
