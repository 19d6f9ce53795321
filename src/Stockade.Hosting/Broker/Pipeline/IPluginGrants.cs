using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// What one loaded plugin is granted, as the broker may see it. A grant change is made under <see cref="Gate"/>
/// and bumps <see cref="Version"/>; the pipeline sequences an allowed call's record under the same gate, after
/// checking that the version it authorized against is still current, so no allow record follows a revoke's.
/// </summary>
internal interface IPluginGrants
{
    /// <summary>The permission catalog (built-in categories, the host services' own, aliases).</summary>
    PermissionCatalog Catalog { get; }

    /// <summary>The policy in force, first brought up to date with the store when it may have changed (the store poll).</summary>
    SandboxPolicy CurrentPolicy();

    /// <summary>Bumped by every change of the policy in force.</summary>
    int Version { get; }

    /// <summary>Held while the policy changes, and while an allowed call's record is sequenced.</summary>
    SemaphoreSlim Gate { get; }

    /// <summary>Stores an "allow always" answer as a grant: <paramref name="record"/> is written first (audit before act).</summary>
    ValueTask RememberAsync(Permission permission, AuditEntry record);
}
