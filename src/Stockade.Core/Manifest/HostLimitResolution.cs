namespace Stockade.Core.Manifest;

/// <summary>What <see cref="HostLimits.Resolve"/> decided for one manifest on one host.</summary>
/// <param name="Resources">The limits the plugin runs under (already lowered to the caps).</param>
/// <param name="Timeouts">The timeouts the plugin runs under (already lowered to the caps).</param>
/// <param name="OverCap">Every limit the manifest asks above the host's cap, naming the key, the value and the cap.</param>
/// <param name="ClampToCaps">True when the host runs such a plugin at its caps instead of refusing it.</param>
public sealed record HostLimitResolution(ResourceLimits Resources, PluginTimeouts Timeouts, IReadOnlyList<string> OverCap, bool ClampToCaps)
{
    /// <summary>True when the plugin must be refused: something is over a cap and the host does not clamp.</summary>
    public bool Refused => OverCap.Count > 0 && !ClampToCaps;
}
