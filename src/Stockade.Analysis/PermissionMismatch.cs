namespace Stockade.Analysis;

/// <summary>One difference between declared and used permissions.</summary>
public sealed record PermissionMismatch
{
    /// <summary>Which way the difference goes.</summary>
    public required PermissionMismatchKind Kind { get; init; }

    /// <summary><see cref="AnalysisSeverity.Warning"/> (or <see cref="AnalysisSeverity.Error"/> when strict) for undeclared use, <see cref="AnalysisSeverity.Hint"/> for an unused declaration.</summary>
    public required AnalysisSeverity Severity { get; init; }

    /// <summary>The permission as <c>category:action</c> (used) or as declared (unused).</summary>
    public required string Permission { get; init; }

    /// <summary>What differs and what to change in the manifest.</summary>
    public required string Message { get; init; }

    /// <summary>The findings that show the use; empty for an unused declaration.</summary>
    public required IReadOnlyList<AnalysisFinding> Evidence { get; init; }
}
