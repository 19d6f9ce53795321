using Stockade.Core.Permissions;

namespace Stockade.Core.Manifest;

/// <summary>One permission a manifest declares, with the author's reason for wanting it.</summary>
/// <param name="Permission">The permission.</param>
/// <param name="Reason">Why the plugin needs it, shown to the person granting it; null when not given.</param>
public sealed record PermissionRequest(Permission Permission, string? Reason);
