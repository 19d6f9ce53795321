namespace Stockade.Protocol;

/// <summary>Answer to <c>host.permission.request</c>.</summary>
/// <param name="Granted">Whether the permission is now granted.</param>
internal sealed record PermissionRequestResult(
    bool Granted);
