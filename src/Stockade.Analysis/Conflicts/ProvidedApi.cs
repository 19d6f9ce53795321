namespace Stockade.Analysis.Conflicts;

/// <summary>An API a plugin provides to others (manifest <c>provides</c>).</summary>
/// <param name="Api">API name, e.g. <c>clipboard</c>.</param>
/// <param name="Version">SemVer of the API (not of the plugin).</param>
public sealed record ProvidedApi(string Api, string Version);
