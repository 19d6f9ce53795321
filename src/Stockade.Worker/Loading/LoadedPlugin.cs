using Stockade.Plugin;

namespace Stockade.Worker;

// The plugin instance with its callable methods and hooks, or why it could not be loaded.
internal sealed record LoadedPlugin(IPlugin? Plugin, PluginDispatcher? Dispatcher, string? Error)
{
    public static LoadedPlugin Failed(string error) => new(null, null, error);
}
