namespace Stockade.Core.Manifest;

/// <summary>Wall-clock limits enforced by killing the worker (DESIGN §7).</summary>
/// <param name="Init">Start-up until the plugin reports ready; default 30 s.</param>
/// <param name="Call">One invocation; default 300 s.</param>
/// <param name="Hook">One hook delivery; default 5 s.</param>
public sealed record PluginTimeouts(TimeSpan Init, TimeSpan Call, TimeSpan Hook)
{
    /// <summary>The defaults of DESIGN §7.</summary>
    public static PluginTimeouts Default { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(5));
}
