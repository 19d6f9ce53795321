using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// What one loaded plugin is granted, as the broker may see it. A grant change is made inside <see cref="Gate"/>'s
/// change section and bumps its version; the pipeline sequences an allowed call's record inside the gate's recording
/// section, entered only while the version it authorized against is still current and no change is under way, so no
/// allow record follows a revoke's.
/// </summary>
internal interface IPluginGrants
{
    /// <summary>The permission catalog (built-in categories, the host services' own, aliases).</summary>
    PermissionCatalog Catalog { get; }

    /// <summary>The policy in force, first brought up to date with the store when it may have changed (the store poll).</summary>
    SandboxPolicy CurrentPolicy();

    /// <summary>Orders changes of the policy against the allow records of calls (<see cref="PolicyGate"/>).</summary>
    PolicyGate Gate { get; }

    /// <summary>Stores an "allow always" answer as a grant: <paramref name="record"/> is written first (audit before act).</summary>
    ValueTask RememberAsync(Permission permission, AuditEntry record);
}
