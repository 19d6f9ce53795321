namespace Stockade.Hosting;

/// <summary>
/// A typed call (<see cref="PluginHost.GetPlugin{TContract}(string)"/>) was refused before it was sent: the plugin
/// implements the contract at another version (<see cref="PluginVersion"/>), or not at all (<see langword="null"/>).
/// Nothing ran in the plugin; its worker keeps serving.
/// </summary>
public sealed class PluginContractMismatchException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginContractMismatchException(string pluginId, string contractName, int hostVersion, int? pluginVersion, string message, string? nextStep = null)
        : base(pluginId, message)
    {
        ContractName = contractName;
        HostVersion = hostVersion;
        PluginVersion = pluginVersion;
        _nextStep = nextStep;
    }

    private readonly string? _nextStep;

    /// <summary>The contract's name, as the host's interface declares it (e.g. <c>eco.weather</c>).</summary>
    public string ContractName { get; }

    /// <summary>The version the host was built against.</summary>
    public int HostVersion { get; }

    /// <summary>The version the plugin implements; <see langword="null"/> when it does not implement the contract.</summary>
    public int? PluginVersion { get; }

    /// <inheritdoc />
    public override string? NextStep => _nextStep;
}
