namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.permission.request</c>: the plugin asks for an optional permission.</summary>
/// <param name="Permission">The permission, e.g. <c>network:request=api.example.com:443</c>.</param>
/// <param name="Reason">Why, shown to the person who decides.</param>
internal sealed record PermissionRequestParams(
    string Permission,
    string Reason);
