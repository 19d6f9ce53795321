using Stockade.Core.Policy;

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
}
