using Stockade.Plugin;
using Stockade.Plugin.Generated;

namespace Stockade.Worker;

// The plugin instance with the table its calls are dispatched through (generated, or reflection's), or why it could not
// be loaded.
internal sealed record LoadedPlugin(IPlugin? Plugin, IPluginDispatchTable? Table, string? Error)
{
    public static LoadedPlugin Failed(string error) => new(null, null, error);

    /// <summary>Whether the table was generated at build time (no reflection over the plugin's methods).</summary>
    public bool Generated => Table is not null and not ReflectionDispatchTable;

    /// <summary>
    /// Builds ahead of the first call what it would otherwise build on its way: reflection's metadata and code for a
    /// reflected table; a generated table's metadata is the plugin's own, compiled with it.
    /// </summary>
    public void Prepare()
    {
        if (Table is ReflectionDispatchTable reflected)
        {
            reflected.Prepare();
        }
    }
}
