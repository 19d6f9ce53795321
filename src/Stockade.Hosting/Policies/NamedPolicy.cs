using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Policies;

/// <summary>A host's named policy as it applies to one load.</summary>
internal static class NamedPolicy
{
    /// <summary>
    /// <paramref name="named"/> for a plugin that runs at <paramref name="level"/>: itself when the level is the one it is
    /// based on; after an allowed downgrade, its permissions and caps kept with the kernel layers of the level actually
    /// run. Null for a built-in level (the built-in preset applies).
    /// </summary>
    public static LevelPreset? AtLevel(LevelPreset? named, SecurityLevel level)
    {
        if (named is null || named.IsBuiltIn)
        {
            return null;
        }

        if (named.Level == level)
        {
            return named;
        }

        var basis = LevelPresets.Get(level);
        return named with
        {
            Level = level,
            RequiresLandlock = basis.RequiresLandlock,
            RequiresSeccomp = basis.RequiresSeccomp,
            RequiresNamespaces = basis.RequiresNamespaces,
            AllowDirectNetwork = named.AllowDirectNetwork && basis.AllowDirectNetwork,
            GrantAll = named.GrantAll && basis.GrantAll,
        };
    }

    /// <summary>The valid named policy <paramref name="name"/> recorded in <paramref name="store"/>, or null (a built-in name, none, or a row that does not read).</summary>
    public static LevelPreset? FromStore(StockadeStore store, string name, PermissionCatalog catalog)
    {
        if (SecurityLevelNames.TryParse(name, out _))
        {
            return null;
        }

        try
        {
            var row = store.ListPolicies().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
            return row.Source is null ? null : LevelPresets.FromJson(row.Source, "policy", catalog).Preset is { } preset && preset.Name == name ? preset : null;
        }
        catch (StoreException)
        {
            return null;
        }
    }
}
