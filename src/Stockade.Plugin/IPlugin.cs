namespace Stockade.Plugin;

/// <summary>
/// Entry point of a .NET plugin. The worker creates the one public class implementing this interface (it needs a
/// public parameterless constructor), calls <see cref="InitializeAsync"/>, then routes calls to its methods marked
/// <see cref="PluginMethodAttribute"/> and <see cref="PluginHookAttribute"/>. Implement <see cref="IAsyncDisposable"/>
/// as well to be told about shutdown.
/// </summary>
public interface IPlugin
{
    /// <summary>Called once before any method or hook; keep the context to reach the host later.</summary>
    ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken);
}
