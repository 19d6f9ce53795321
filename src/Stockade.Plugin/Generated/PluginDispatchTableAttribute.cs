using System.Diagnostics.CodeAnalysis;

namespace Stockade.Plugin.Generated;

/// <summary>Names the generated <see cref="IPluginDispatchTable"/> of a plugin class; emitted by the source generator.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class PluginDispatchTableAttribute : Attribute
{
    /// <summary>Names <paramref name="tableType"/> as the dispatch table of <paramref name="pluginType"/>.</summary>
    public PluginDispatchTableAttribute(Type pluginType, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type tableType)
    {
        PluginType = pluginType;
        TableType = tableType;
    }

    /// <summary>The plugin class.</summary>
    public Type PluginType { get; }

    /// <summary>The generated table; it has a public parameterless constructor.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type TableType { get; }
}
