namespace Stockade.Hosting;

/// <summary>How to load one plugin.</summary>
public sealed class PluginLoadOptions
{
    /// <summary>Level to run at (<c>unrestricted</c>, <c>limited</c>, <c>sandboxed</c>, <c>strict</c>); default: the host's.</summary>
    public string? Level { get; init; }

    /// <summary>Run at the best level available when the requested one cannot be enforced (audited); default: the host's option.</summary>
    public bool? AllowDowngrade { get; init; }

    /// <summary>
    /// For a plugin folder that is not installed (development runs): permissions granted for this
    /// load only. Each must be implied by a permission the manifest declares; <c>all</c> grants every declared
    /// permission and <c>none</c> nothing, as <see cref="Installation.InstallOptions.Grants"/>. Installed plugins use
    /// the grants in the store and ignore this.
    /// </summary>
    public IReadOnlyList<string> Grants { get; init; } = [];
}
