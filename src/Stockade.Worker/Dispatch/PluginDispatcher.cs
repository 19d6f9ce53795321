using System.Reflection;
using Stockade.Plugin;

namespace Stockade.Worker;

// The plugin's [PluginMethod] and [PluginHook] methods by name, found once at load.
internal sealed class PluginDispatcher
{
    private readonly Dictionary<string, PluginMethod> _methods;
    private readonly Dictionary<string, PluginMethod> _hooks;

    private PluginDispatcher(Dictionary<string, PluginMethod> methods, Dictionary<string, PluginMethod> hooks)
    {
        _methods = methods;
        _hooks = hooks;
    }

    public IReadOnlyList<string> MethodNames => [.. _methods.Keys];

    public IReadOnlyList<string> HookNames => [.. _hooks.Keys];

    public static PluginDispatcher? Create(Type pluginType, out string? error)
    {
        error = null;
        var methods = new Dictionary<string, PluginMethod>(StringComparer.Ordinal);
        var hooks = new Dictionary<string, PluginMethod>(StringComparer.Ordinal);
        foreach (var method in pluginType.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            foreach (var (name, table, kind) in Names(method, methods, hooks))
            {
                var created = PluginMethod.TryCreate(name, method, out error);
                if (created is null)
                {
                    error = $"plugin type '{pluginType.FullName}': {error}";
                    return null;
                }

                if (string.IsNullOrWhiteSpace(name) || !table.TryAdd(name, created))
                {
                    error = $"plugin type '{pluginType.FullName}': {kind} name '{name}' is empty or used twice";
                    return null;
                }
            }
        }

        // Contract methods: the wire name is declared on the [PluginContract] interface (the class's implementation need
        // not repeat it); invoking the interface's method dispatches to the implementation, explicit ones included.
        foreach (var contract in pluginType.GetInterfaces())
        {
            if (contract.GetCustomAttribute<PluginContractAttribute>() is null)
            {
                continue;
            }

            var map = pluginType.GetInterfaceMap(contract);
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                var declared = map.InterfaceMethods[i];
                if (declared.GetCustomAttribute<PluginMethodAttribute>() is not { } exposed)
                {
                    continue;
                }

                // The implementation carries the same name itself: one entry, already added.
                if (map.TargetMethods[i].GetCustomAttribute<PluginMethodAttribute>() is { } own && own.Name == exposed.Name)
                {
                    continue;
                }

                var created = PluginMethod.TryCreate(exposed.Name, declared, out error);
                if (created is null)
                {
                    error = $"plugin type '{pluginType.FullName}': {error}";
                    return null;
                }

                if (string.IsNullOrWhiteSpace(exposed.Name) || !methods.TryAdd(exposed.Name, created))
                {
                    error = $"plugin type '{pluginType.FullName}': method name '{exposed.Name}' is empty or used twice";
                    return null;
                }
            }
        }

        return new PluginDispatcher(methods, hooks);
    }

    public PluginMethod? FindMethod(string name) => _methods.GetValueOrDefault(name);

    /// <summary>Prepares every method and hook for its first call (<see cref="PluginMethod.Prepare"/>).</summary>
    public void PrepareAll()
    {
        PluginJson.WarmUp();
        foreach (var method in _methods.Values)
        {
            method.Prepare();
        }

        foreach (var hook in _hooks.Values)
        {
            hook.Prepare();
        }
    }

    public PluginMethod? FindHook(string name) => _hooks.GetValueOrDefault(name);

    private static IEnumerable<(string Name, Dictionary<string, PluginMethod> Table, string Kind)> Names(
        MethodInfo method, Dictionary<string, PluginMethod> methods, Dictionary<string, PluginMethod> hooks)
    {
        if (method.GetCustomAttribute<PluginMethodAttribute>() is { } exposed)
        {
            yield return (exposed.Name, methods, "method");
        }

        if (method.GetCustomAttribute<PluginHookAttribute>() is { } hook)
        {
            yield return (hook.Name, hooks, "hook");
        }
    }
}
