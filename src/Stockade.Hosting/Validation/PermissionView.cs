namespace Stockade.Hosting.Validation;

/// <summary>A declared permission as a person reviews it.</summary>
/// <param name="Permission">The permission text, e.g. <c>network:request=api.example.com:443</c>.</param>
/// <param name="Required">True when the manifest requires it; false when it is optional.</param>
/// <param name="Reason">The reason the manifest gives, if any.</param>
/// <param name="Meaning">What it allows, in plain words (see <see cref="PermissionDescriber"/>).</param>
/// <param name="Decision"><c>granted</c>, <c>partly-granted</c> (only narrower grants), <c>denied</c>, <c>pending</c>, <c>not-granted</c>, or for a stored grant no declaration covers <c>ignored</c>; null when not known.</param>
public sealed record PermissionView(string Permission, bool Required, string? Reason, string Meaning, string? Decision);
