using NuGet.Versioning;

namespace Stockade.Core.Manifest;

/// <summary>An API a plugin offers to other plugins, e.g. <c>clipboard.history@1.2.0</c>.</summary>
/// <param name="Api">The API name.</param>
/// <param name="Version">The API's SemVer 2 version.</param>
public sealed record ProvidedApi(string Api, SemanticVersion Version);
