using Stockade.Core.Manifest;
using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>What the host contributes to a <see cref="SandboxPolicy"/>: folders, known permissions, caps and level.</summary>
public sealed record PolicyContext
{
    /// <summary>
    /// Absolute directory per alias (with its <c>$</c>): <c>$PLUGIN_DATA</c>, <c>$TEMP</c>, <c>$CONFIG</c>,
    /// <c>$PLUGIN_DIR</c> and every host alias in <see cref="Catalog"/>. See <see cref="StandardAliases"/>.
    /// </summary>
    public required IReadOnlyDictionary<string, string> AliasValues { get; init; }

    /// <summary>Known permission categories and aliases; the built-ins by default.</summary>
    public PermissionCatalog Catalog { get; init; } = PermissionCatalog.Default;

    /// <summary>Host maxima; the effective limit is the smaller of manifest and cap. Null for no caps.</summary>
    public ResourceLimits? ResourceCaps { get; init; }

    /// <summary>Host maxima for timeouts; the effective timeout is the smaller of manifest and cap. Null for no caps.</summary>
    public PluginTimeouts? TimeoutCaps { get; init; }

    /// <summary>The security level; <see cref="SecurityLevel.Sandboxed"/> by default.</summary>
    public SecurityLevel Level { get; init; } = SecurityLevel.Sandboxed;

    /// <summary>A named host policy to use instead of the built-in preset of <see cref="Level"/>; null for the built-in.</summary>
    public LevelPreset? Preset { get; init; }

    /// <summary>The preset in force: <see cref="Preset"/> when set, otherwise the built-in one of <see cref="Level"/>.</summary>
    public LevelPreset EffectivePreset => Preset ?? LevelPresets.Get(Level);

    /// <summary>
    /// The alias values of the DESIGN §9 layout (path composition only, nothing is created):
    /// <c>$PLUGIN_DATA</c> = home/data/id, <c>$TEMP</c> = home/temp/id, <c>$CONFIG</c> = home/config,
    /// <c>$PLUGIN_DIR</c> = <paramref name="pluginDir"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A path is not absolute.</exception>
    public static IReadOnlyDictionary<string, string> StandardAliases(string stockadeHome, string pluginId, string pluginDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(stockadeHome);
        ArgumentException.ThrowIfNullOrEmpty(pluginId);
        ArgumentException.ThrowIfNullOrEmpty(pluginDir);
        if (stockadeHome[0] != '/' || pluginDir[0] != '/')
        {
            throw new ArgumentException("The Stockade home and the plugin folder must be absolute paths.", nameof(stockadeHome));
        }

        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["$PLUGIN_DATA"] = $"{stockadeHome.TrimEnd('/')}/data/{pluginId}",
            ["$TEMP"] = $"{stockadeHome.TrimEnd('/')}/temp/{pluginId}",
            ["$CONFIG"] = $"{stockadeHome.TrimEnd('/')}/config",
            ["$PLUGIN_DIR"] = pluginDir,
        };
    }
}
