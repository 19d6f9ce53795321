namespace Stockade.Hosting.Installation;

/// <summary>The effect of <see cref="PluginInstaller.Grant"/> or <see cref="PluginInstaller.Revoke"/>.</summary>
/// <param name="PluginId">The plugin.</param>
/// <param name="Permission">The permission as stored (canonical text).</param>
/// <param name="Before"><c>granted</c>, <c>denied</c> or <c>not-granted</c> before the change.</param>
/// <param name="After"><c>granted</c> or <c>denied</c> after it.</param>
/// <param name="Meaning">What the permission allows, in plain words.</param>
public sealed record GrantChange(string PluginId, string Permission, string Before, string After, string Meaning)
{
    /// <summary>True when the decision changed.</summary>
    public bool Changed => Before != After;
}
