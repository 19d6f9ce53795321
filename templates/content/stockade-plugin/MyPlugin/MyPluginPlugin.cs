using Stockade.Plugin;

namespace MyPlugin;

/// <summary>A Stockade plugin: one public class implementing <see cref="IPlugin"/>, its methods marked <see cref="PluginMethodAttribute"/>.</summary>
public sealed class MyPluginPlugin : IPlugin
{
    /// <summary>Called once when the worker starts; keep the context to reach what plugin.yaml declares.</summary>
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Answers <c>hello</c> with a greeting (JSON in, JSON out).</summary>
    [PluginMethod("hello")]
    public HelloResult Hello(HelloInput input) => new($"Hello, {input.Name}!");
}

/// <summary>Input of <c>hello</c>.</summary>
public sealed record HelloInput(string Name);

/// <summary>Result of <c>hello</c>.</summary>
public sealed record HelloResult(string Message);
