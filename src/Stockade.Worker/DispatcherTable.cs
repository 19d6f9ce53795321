using System.Text.Json;
using Stockade.Plugin;
using Stockade.Plugin.Generated;

namespace Stockade.Worker;

// The reflection dispatcher seen as the IPluginDispatchTable the SDK's server takes. A bridge for this branch only: the
// generator's branch turns PluginDispatcher itself into the table (ReflectionDispatchTable) and the loader returns the
// generated one when the assembly names it; at that merge this file goes.
internal sealed class DispatcherTable : IPluginDispatchTable
{
    private readonly Dictionary<string, PluginEntryPoint> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PluginEntryPoint> _hooks = new(StringComparer.Ordinal);

    public DispatcherTable(PluginDispatcher dispatcher, Type pluginType)
    {
        PluginType = pluginType;
        MethodNames = dispatcher.MethodNames;
        HookNames = dispatcher.HookNames;
        foreach (var name in MethodNames)
        {
            _methods[name] = dispatcher.FindMethod(name)!.InvokeAsync;
        }

        foreach (var name in HookNames)
        {
            _hooks[name] = dispatcher.FindHook(name)!.InvokeAsync;
        }
    }

    public Type PluginType { get; }

    public IReadOnlyList<string> MethodNames { get; }

    public IReadOnlyList<string> HookNames { get; }

    public IReadOnlyDictionary<string, int> Contracts { get; } = new Dictionary<string, int>();

    public IPlugin CreatePlugin() => throw new NotSupportedException("the worker's loader creates the plugin");

    public PluginEntryPoint? FindMethod(string name) => _methods.GetValueOrDefault(name);

    public PluginEntryPoint? FindHook(string name) => _hooks.GetValueOrDefault(name);
}
