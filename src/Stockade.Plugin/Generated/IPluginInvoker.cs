using System.Text.Json.Serialization.Metadata;

namespace Stockade.Plugin.Generated;

/// <summary>
/// What a generated contract proxy calls: one loaded plugin, invoked by method name with typed input and result. The host
/// implements it over its invoke path, so a proxy call keeps that path's timeout, cancellation and typed exceptions.
/// </summary>
public interface IPluginInvoker
{
    /// <summary>The plugin's id.</summary>
    string PluginId { get; }

    /// <summary>Calls <paramref name="method"/> with <paramref name="input"/> and reads its result.</summary>
    /// <typeparam name="TInput">The input's type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="method">The wire name (<see cref="PluginMethodAttribute.Name"/>).</param>
    /// <param name="input">The input.</param>
    /// <param name="inputInfo">Serialisation metadata of the input.</param>
    /// <param name="resultInfo">Serialisation metadata of the result.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The result; <see langword="default"/> when the plugin returned none.</returns>
    ValueTask<TResult?> InvokeAsync<TInput, TResult>(string method, TInput input, JsonTypeInfo<TInput> inputInfo, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="method"/> without input and reads its result.</summary>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="method">The wire name.</param>
    /// <param name="resultInfo">Serialisation metadata of the result.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The result; <see langword="default"/> when the plugin returned none.</returns>
    ValueTask<TResult?> InvokeAsync<TResult>(string method, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken);
}
