using System.Text.Json.Serialization.Metadata;
using Stockade.Plugin.Generated;

namespace Stockade.Hosting.Contracts;

/// <summary>
/// What a generated proxy calls, over <see cref="PluginHost"/>'s invoke path: the same timeout, cancellation, restart and
/// typed exceptions as <see cref="PluginHost.InvokeAsync(string, string, System.Text.Json.JsonElement?, CancellationToken)"/>,
/// plus the contract check before anything is sent. It holds the plugin's id, not its worker, so a proxy outlives restarts
/// and reloads.
/// </summary>
internal sealed class ContractInvoker(PluginHost host, string pluginId, ContractIdentity contract) : IPluginInvoker
{
    /// <inheritdoc />
    public string PluginId => pluginId;

    /// <inheritdoc />
    public ValueTask<TResult?> InvokeAsync<TInput, TResult>(string method, TInput input, JsonTypeInfo<TInput> inputInfo, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputInfo);
        ArgumentNullException.ThrowIfNull(resultInfo);
        return host.InvokeContractAsync(pluginId, contract, method, PluginHost.ToPayload(input, inputInfo), resultInfo, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<TResult?> InvokeAsync<TResult>(string method, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resultInfo);
        return host.InvokeContractAsync(pluginId, contract, method, null, resultInfo, cancellationToken);
    }
}
