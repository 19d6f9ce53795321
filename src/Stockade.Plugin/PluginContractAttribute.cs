namespace Stockade.Plugin;

/// <summary>
/// Marks an interface shared by host and plugin as a typed contract. Its methods carry <see cref="PluginMethodAttribute"/>
/// (the wire names) and follow the same shape rules; a plugin class that implements it serves those methods, and the
/// host calls them through a generated proxy (<c>host.GetPlugin&lt;IWeather&gt;("eco.weather")</c>). The interface must be
/// <see langword="partial"/> so that the source generator can attach its proxy.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
public sealed class PluginContractAttribute : Attribute
{
    /// <summary>Declares the contract <paramref name="name"/> at <paramref name="version"/>.</summary>
    public PluginContractAttribute(string name, int version)
    {
        Name = name;
        Version = version;
    }

    /// <summary>The contract's stable name, e.g. <c>eco.weather</c>; host and plugin match contracts by it.</summary>
    public string Name { get; }

    /// <summary>
    /// The contract's version: raise it on any change a caller or implementer would notice. A host and a plugin built
    /// against different versions of one contract are refused with both versions named, never called.
    /// </summary>
    public int Version { get; }
}
