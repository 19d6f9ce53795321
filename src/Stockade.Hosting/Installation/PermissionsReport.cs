using Stockade.Hosting.Validation;

namespace Stockade.Hosting.Installation;

/// <summary>An installed plugin's permissions and the decisions on them.</summary>
/// <param name="PluginId">The plugin.</param>
/// <param name="Version">The installed version.</param>
/// <param name="Enabled">Whether it may be started.</param>
/// <param name="Permissions">Every declared permission, required first.</param>
/// <param name="OtherGrants">Stored decisions that are not a declared permission as written (narrower grants, denials).</param>
public sealed record PermissionsReport(string PluginId, string Version, bool Enabled, IReadOnlyList<PermissionStatus> Permissions, IReadOnlyList<PermissionStatus> OtherGrants);

/// <summary>One permission and its decision.</summary>
/// <param name="View">The permission, its meaning and decision.</param>
/// <param name="DecidedAt">When it was granted or denied; null when not yet decided.</param>
/// <param name="DecidedBy">Who decided it; null when not yet decided.</param>
public sealed record PermissionStatus(PermissionView View, DateTimeOffset? DecidedAt, string? DecidedBy);
