using System.Diagnostics.CodeAnalysis;

namespace Stockade.Plugin.Generated;

/// <summary>
/// Names the generated proxy of a <see cref="PluginContractAttribute"/> interface; emitted by the source generator on the
/// interface's generated part. The proxy has a public constructor taking an <see cref="IPluginInvoker"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
public sealed class PluginContractProxyAttribute : Attribute
{
    /// <summary>Names <paramref name="proxyType"/> as the contract's proxy.</summary>
    public PluginContractProxyAttribute([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type proxyType) => ProxyType = proxyType;

    /// <summary>The generated proxy class.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    public Type ProxyType { get; }
}
