using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Stockade.Hosting.Contracts;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>
    /// The loaded plugin <paramref name="pluginId"/> as its typed contract <typeparamref name="TContract"/>: an interface
    /// marked <c>[PluginContract(name, version)]</c>, shared by host and plugin, whose proxy the Stockade.Plugin source
    /// generator emits. A call through it takes the path of
    /// <see cref="InvokeAsync(string, string, JsonElement?, CancellationToken)"/> (the manifest's timeout, cancellation,
    /// restarts, the same typed exceptions), and is refused before it is sent when the running plugin does not implement
    /// the contract at the host's version.
    /// </summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="pluginId">The plugin's id.</param>
    /// <returns>A proxy; it names the plugin by id, so it keeps working across restarts and reloads.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="TContract"/> is not a contract interface with a generated proxy.</exception>
    /// <exception cref="PluginNotFoundException">The plugin is not loaded.</exception>
    /// <exception cref="PluginContractMismatchException">
    /// The plugin's worker has answered <c>initialize</c> and does not implement the contract at the host's version (a
    /// call through the proxy checks it again against the worker that serves it).
    /// </exception>
    public TContract GetPlugin<TContract>(string pluginId)
        where TContract : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        var contract = ContractProxy<TContract>.Identity;
        var slot = GetSlot(pluginId);
        if (slot.Worker is not null && ContractMismatch(slot.Plugin, contract) is { } mismatch)
        {
            throw mismatch;
        }

        return ContractProxy<TContract>.Create(new ContractInvoker(this, slot.Id, contract));
    }

    /// <summary>A typed call of a contract method (<see cref="ContractInvoker"/>): the invoke path, then the result read with the contract's metadata.</summary>
    internal async ValueTask<TResult?> InvokeContractAsync<TResult>(string pluginId, ContractIdentity contract, string method, JsonElement? input, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken)
    {
        var result = await InvokeCoreAsync(pluginId, method, input, contract, cancellationToken).ConfigureAwait(false);
        if (result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return default;
        }

        try
        {
            return result.Deserialize(resultInfo);
        }
        catch (JsonException ex)
        {
            throw InvalidResult<TResult>(pluginId, method, ex, $"the JSON metadata of contract '{contract.Name}' v{contract.Version}");
        }
    }

    /// <summary>A typed input as the worker reads it, written with the contract's metadata; <see langword="null"/> is no input.</summary>
    internal static JsonElement? ToPayload<TInput>(TInput input, JsonTypeInfo<TInput> inputInfo) =>
        input is null ? null : NoInputIfUndefined(JsonSerializer.SerializeToElement(input, inputInfo));

    /// <summary>
    /// Why the plugin's running worker cannot take a call of <paramref name="contract"/>, or <see langword="null"/> when it
    /// implements it at the host's version. Every name shown from the plugin's side passed <see cref="ReportedContracts"/>.
    /// </summary>
    private static PluginContractMismatchException? ContractMismatch(LoadedPlugin plugin, ContractIdentity contract)
    {
        if (plugin.Contracts.TryGetValue(contract.Name, out var version))
        {
            if (version == contract.Version)
            {
                return null;
            }

            var hostOlder = contract.Version < version;
            return new PluginContractMismatchException(plugin.Id, contract.Name, contract.Version, version,
                $"plugin '{plugin.Id}' implements contract '{contract.Name}' version {version}, but this host was built against version {contract.Version} ({contract.InterfaceName}); the call was not sent",
                hostOlder
                    ? $"update the host: build it against version {version} of '{contract.Name}' (the package or project that declares {contract.InterfaceName}), or install a build of the plugin that implements version {contract.Version}."
                    : $"update the plugin: install a build of '{plugin.Id}' that implements '{contract.Name}' version {contract.Version}, or build the host against version {version}.");
        }

        var offered = plugin.Contracts.Count == 0
            ? "it implements no contract"
            : "it implements: " + string.Join(", ", plugin.Contracts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"'{c.Key}' v{c.Value}")));
        return new PluginContractMismatchException(plugin.Id, contract.Name, contract.Version, pluginVersion: null,
            $"plugin '{plugin.Id}' does not implement contract '{contract.Name}' ({contract.InterfaceName}, version {contract.Version}); {offered}; the call was not sent",
            $"load a plugin whose class implements {contract.InterfaceName} (a script plugin declares contracts {{\"{contract.Name}\": {contract.Version}}}), or call this one by method name with InvokeAsync.");
    }
}
