using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Stockade.Plugin;
using Stockade.Plugin.Generated;

namespace Stockade.Hosting.Contracts;

/// <summary>
/// What the host knows of one contract interface, found once per <typeparamref name="TContract"/>: its
/// <see cref="PluginContractAttribute"/> (name and version) and the constructor of the proxy the source generator named in
/// <see cref="PluginContractProxyAttribute"/>. An interface that is not a usable contract is said once, with the fix, and
/// again on every <see cref="PluginHost.GetPlugin{TContract}(string)"/>.
/// </summary>
internal static class ContractProxy<TContract>
    where TContract : class
{
    private static readonly Lazy<(ContractIdentity? Identity, ConstructorInfo? Constructor, string? Problem)> Found = new(Find);

    /// <summary>The contract's name and version as the host was built against them.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="TContract"/> is not a usable contract.</exception>
    public static ContractIdentity Identity => Found.Value.Identity ?? throw new InvalidOperationException(Found.Value.Problem);

    /// <summary>A proxy that calls through <paramref name="invoker"/>.</summary>
    public static TContract Create(IPluginInvoker invoker)
    {
        var constructor = Found.Value.Constructor ?? throw new InvalidOperationException(Found.Value.Problem);
        try
        {
            return (TContract)constructor.Invoke([invoker]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw new InvalidOperationException($"the proxy of contract interface {Name} could not be created: {ex.InnerException.Message}", ex.InnerException);
        }
    }

    private static string Name => typeof(TContract).FullName ?? typeof(TContract).Name;

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "PluginContractProxyAttribute.ProxyType keeps the proxy's public constructors.")]
    private static (ContractIdentity?, ConstructorInfo?, string?) Find()
    {
        var type = typeof(TContract);
        if (!type.IsInterface || type.GetCustomAttribute<PluginContractAttribute>(inherit: false) is not { } contract)
        {
            return (null, null, $"{Name} is not a plugin contract: declare it as a partial interface marked [PluginContract(\"name\", version)] (Stockade.Plugin), shared by the host and the plugin.");
        }

        if (!ReportedContracts.IsName(contract.Name) || contract.Version < 0)
        {
            return (null, null, $"contract interface {Name} declares the contract name '{contract.Name}' at version {contract.Version}: a name is lower-case letters and digits, then those and '.', '_' or '-' (at most {ReportedContracts.MaxNameLength}), e.g. \"eco.weather\"; a version is 0 or more. Fix the [PluginContract] attribute and rebuild host and plugin.");
        }

        var identity = new ContractIdentity(contract.Name, contract.Version, Name);
        if (type.GetCustomAttribute<PluginContractProxyAttribute>(inherit: false) is not { } proxy)
        {
            return (null, null, $"contract interface {Name} ('{contract.Name}' v{contract.Version}) has no generated proxy: make the interface partial and build its project with the Stockade.Plugin package (its source generator emits the proxy), then rebuild the host.");
        }

        var constructor = proxy.ProxyType.GetConstructor([typeof(IPluginInvoker)]);
        if (constructor is null || !type.IsAssignableFrom(proxy.ProxyType) || proxy.ProxyType.IsAbstract)
        {
            return (null, null, $"the proxy {proxy.ProxyType.FullName} named on contract interface {Name} does not implement it with a public constructor taking IPluginInvoker: rebuild the contract's project with the current Stockade.Plugin package.");
        }

        return (identity, constructor, null);
    }
}
