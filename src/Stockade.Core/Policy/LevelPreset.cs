using Stockade.Core.Manifest;
using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>
/// One security policy: what a level requires of the machine and how permissions are treated. The four
/// built-ins are in <see cref="LevelPresets"/>; a host may define named ones with <see cref="LevelPresets.FromJson(string, string, Stockade.Core.Permissions.PermissionCatalog)"/>.
/// </summary>
public sealed record LevelPreset
{
    /// <summary>Lowercase name, e.g. <c>sandboxed</c> or a host's <c>corp-strict</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The built-in level this policy is based on; it decides the kernel layers launched.</summary>
    public required SecurityLevel Level { get; init; }

    /// <summary>What the policy is for, in plain words.</summary>
    public required string Description { get; init; }

    /// <summary>Landlock must be enforceable; otherwise the plugin is refused unless a downgrade is allowed.</summary>
    public bool RequiresLandlock { get; init; }

    /// <summary>A seccomp filter must be installed on every worker thread.</summary>
    public bool RequiresSeccomp { get; init; }

    /// <summary>User, pid, net and mount namespaces must be available.</summary>
    public bool RequiresNamespaces { get; init; }

    /// <summary>The plugin package must carry a valid signature from a trusted key.</summary>
    public bool RequiresSignature { get; init; }

    /// <summary>Static analysis findings must be covered by the declared permissions.</summary>
    public bool AnalysisMustMatchDeclarations { get; init; }

    /// <summary>The worker may open IP sockets itself (only unrestricted); otherwise all network goes through the broker.</summary>
    public bool AllowDirectNetwork { get; init; }

    /// <summary>Every declared permission is granted without asking (only unrestricted); still audited.</summary>
    public bool GrantAll { get; init; }

    /// <summary>
    /// Resource caps of this policy: the effective limit is the smaller of the manifest's, the host's cap and this.
    /// Null for none (the built-in levels).
    /// </summary>
    public ResourceLimits? ResourceCaps { get; init; }

    /// <summary>Timeout caps of this policy (init, call, hook); null for none.</summary>
    public PluginTimeouts? TimeoutCaps { get; init; }

    /// <summary>
    /// The most a plugin under this policy may be granted: a declared permission that no entry implies is denied,
    /// whatever a person granted. Null for no such ceiling (the built-in levels).
    /// </summary>
    public IReadOnlyList<Permission>? AllowedPermissions { get; init; }

    /// <summary>
    /// Permissions never granted under this policy: a declared permission that would give any of one (its action gives
    /// the forbidden action and the scopes overlap) is denied as a whole, whatever a person granted. Empty for the
    /// built-in levels.
    /// </summary>
    public IReadOnlyList<Permission> ForbiddenPermissions { get; init; } = [];

    /// <summary>True for the four built-in levels; false for a host's named policy.</summary>
    public bool IsBuiltIn => LevelPresets.All.Any(p => ReferenceEquals(p, this));
}
