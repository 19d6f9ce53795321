namespace Stockade.Analysis.Conflicts;

/// <summary>A plugin (or provided API) another plugin needs (manifest <c>requires</c>).</summary>
/// <param name="Id">Plugin id, or an API name provided by some plugin.</param>
/// <param name="Range">Accepted versions; forms in <c>docs/analysis.md</c> (e.g. <c>[1.0,2.0)</c>, <c>1.0</c>, <c>^1.2</c>, <c>&gt;=1.0.0 &lt;2.0.0</c>).</param>
public sealed record PluginRequirement(string Id, string Range);
