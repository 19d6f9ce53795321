namespace Stockade.Analysis.Conflicts;

/// <summary>One conflict or dependency problem.</summary>
public sealed record Conflict
{
    /// <summary>What kind of problem it is.</summary>
    public required ConflictKind Kind { get; init; }

    /// <summary><see cref="AnalysisSeverity.Error"/> refuses install or load; <see cref="AnalysisSeverity.Warning"/> is reported only.</summary>
    public required AnalysisSeverity Severity { get; init; }

    /// <summary>Ids of the plugins involved, the one the problem is about first.</summary>
    public required IReadOnlyList<string> Plugins { get; init; }

    /// <summary>What is wrong, for a person.</summary>
    public required string Message { get; init; }

    /// <summary>Ways out, e.g. <c>uninstall X</c>, <c>upgrade Y to a version in [1.0.0, 2.0.0)</c>, <c>disable one of X, Y</c>.</summary>
    public required IReadOnlyList<string> Suggestions { get; init; }
}
