using Stockade.Hosting.Validation;

namespace Stockade.Hosting.Installation;

/// <summary>What <see cref="PluginInstaller.Install"/> did.</summary>
/// <param name="PluginId">The plugin id.</param>
/// <param name="Version">The installed version.</param>
/// <param name="Directory">The installed, read-only copy.</param>
/// <param name="Upgraded">True when another version (or the same one) was installed before.</param>
/// <param name="Permissions">Every declared permission with its decision.</param>
/// <param name="Warnings">Validation items that are not errors (warnings and hints).</param>
public sealed record InstallResult(string PluginId, string Version, string Directory, bool Upgraded, IReadOnlyList<PermissionView> Permissions, IReadOnlyList<ValidationItem> Warnings);
