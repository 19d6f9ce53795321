namespace Stockade.Plugin.Generated;

/// <summary>
/// A plugin's methods, hooks and contracts, emitted at build time by the Stockade.Plugin source generator so that the
/// worker (or a NativeAOT plugin's own server) dispatches without reflection. Found through
/// <see cref="PluginDispatchTableAttribute"/>; plugins built without the generator are dispatched by reflection.
/// </summary>
public interface IPluginDispatchTable
{
    /// <summary>The plugin class this table serves.</summary>
    Type PluginType { get; }

    /// <summary>The names of the plugin's <see cref="PluginMethodAttribute"/> methods, contract methods included.</summary>
    IReadOnlyList<string> MethodNames { get; }

    /// <summary>The names of the plugin's <see cref="PluginHookAttribute"/> methods.</summary>
    IReadOnlyList<string> HookNames { get; }

    /// <summary>The contracts the plugin class implements: <see cref="PluginContractAttribute.Name"/> to version.</summary>
    IReadOnlyDictionary<string, int> Contracts { get; }

    /// <summary>Creates the plugin instance (its public parameterless constructor).</summary>
    IPlugin CreatePlugin();

    /// <summary>The method served under <paramref name="name"/>, or <see langword="null"/>.</summary>
    PluginEntryPoint? FindMethod(string name);

    /// <summary>The hook handled under <paramref name="name"/>, or <see langword="null"/>.</summary>
    PluginEntryPoint? FindHook(string name);
}
