using System.Reflection;
using Stockade.Plugin;
using Stockade.Plugin.Generated;

namespace Stockade.Worker;

// The dispatch table of a plugin built without the source generator: the reflection dispatcher behind the same
// IPluginDispatchTable the protocol server serves from, so one server runs generated and reflected plugins alike.
internal sealed class ReflectionDispatchTable : IPluginDispatchTable
{
    private readonly PluginDispatcher _dispatcher;
    private readonly Dictionary<string, PluginEntryPoint> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PluginEntryPoint> _hooks = new(StringComparer.Ordinal);

    private ReflectionDispatchTable(Type pluginType, PluginDispatcher dispatcher, IReadOnlyDictionary<string, int> contracts)
    {
        PluginType = pluginType;
        _dispatcher = dispatcher;
        Contracts = contracts;
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

    public IReadOnlyDictionary<string, int> Contracts { get; }

    public static ReflectionDispatchTable? Create(Type pluginType, out string? error)
    {
        var dispatcher = PluginDispatcher.Create(pluginType, out error);
        return dispatcher is null ? null : new ReflectionDispatchTable(pluginType, dispatcher, FindContracts(pluginType));
    }

    public IPlugin CreatePlugin() => (IPlugin)Activator.CreateInstance(PluginType)!;

    public PluginEntryPoint? FindMethod(string name) => _methods.GetValueOrDefault(name);

    public PluginEntryPoint? FindHook(string name) => _hooks.GetValueOrDefault(name);

    /// <summary>Builds ahead of the first call what it would build on its way (<see cref="PluginDispatcher.PrepareAll"/>).</summary>
    public void Prepare() => _dispatcher.PrepareAll();

    // The [PluginContract] interfaces the class implements, as a generated table reports them.
    internal static IReadOnlyDictionary<string, int> FindContracts(Type pluginType)
    {
        var contracts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var implemented in pluginType.GetInterfaces())
        {
            if (implemented.GetCustomAttribute<PluginContractAttribute>() is { } contract)
            {
                contracts[contract.Name] = contract.Version;
            }
        }

        return contracts;
    }
}
