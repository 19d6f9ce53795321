namespace Stockade.Hosting;

/// <summary>
/// Options of the hosted service that loads installed plugins when the application starts
/// (<see cref="Microsoft.Extensions.DependencyInjection.StockadeServiceCollectionExtensions.AddStockadeHostedLoading"/>).
/// </summary>
public sealed class StockadeLoadingOptions
{
    /// <summary>
    /// The installed plugins to load, by id; <see langword="null"/> (the default) loads every installed plugin that is
    /// enabled. A disabled plugin is never loaded, even when named here.
    /// </summary>
    public IList<string>? PluginIds { get; set; }

    /// <summary>How to load each plugin (level, downgrade); default: the host's.</summary>
    public PluginLoadOptions LoadOptions { get; set; } = new();

    /// <summary>
    /// When a plugin cannot be loaded, stop the application's start with that failure instead of logging it (as an
    /// error, naming the plugin and what to do) and loading the others. Off by default: one broken plugin does not keep
    /// an application, or the other plugins, from starting.
    /// </summary>
    public bool StopOnLoadFailure { get; set; }
}
