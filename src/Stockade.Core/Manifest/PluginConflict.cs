using NuGet.Versioning;

namespace Stockade.Core.Manifest;

/// <summary>A plugin that cannot be loaded together with this one.</summary>
/// <param name="Id">The conflicting plugin's id.</param>
/// <param name="Range">The conflicting versions, or null for every version.</param>
public sealed record PluginConflict(string Id, VersionRange? Range);
