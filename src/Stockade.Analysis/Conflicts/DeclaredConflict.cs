namespace Stockade.Analysis.Conflicts;

/// <summary>A plugin that cannot run next to the declaring one (manifest <c>conflicts</c>).</summary>
/// <param name="Id">Plugin id.</param>
/// <param name="Range">Conflicting versions; <see langword="null"/> for every version.</param>
public sealed record DeclaredConflict(string Id, string? Range = null);
