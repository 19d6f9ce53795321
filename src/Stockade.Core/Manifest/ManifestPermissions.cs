namespace Stockade.Core.Manifest;

/// <summary>The permissions a manifest declares.</summary>
/// <param name="Required">Needed for the plugin to work; refused ones fail the plugin.</param>
/// <param name="Optional">Asked for at run time; may be refused without failing the plugin.</param>
public sealed record ManifestPermissions(IReadOnlyList<PermissionRequest> Required, IReadOnlyList<PermissionRequest> Optional)
{
    /// <summary>No permissions at all.</summary>
    public static ManifestPermissions None { get; } = new([], []);

    /// <summary>Required and optional together.</summary>
    public IEnumerable<PermissionRequest> All => Required.Concat(Optional);
}
