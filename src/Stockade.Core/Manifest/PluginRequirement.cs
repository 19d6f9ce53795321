using NuGet.Versioning;

namespace Stockade.Core.Manifest;

/// <summary>Another plugin this one needs, in a version range.</summary>
/// <param name="Id">The required plugin's id.</param>
/// <param name="Range">Accepted versions (<see cref="VersionRange.All"/> when no range was written).</param>
public sealed record PluginRequirement(string Id, VersionRange Range);
