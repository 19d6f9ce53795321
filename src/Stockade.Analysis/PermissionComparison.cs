namespace Stockade.Analysis;

/// <summary>The result of <see cref="AnalysisReport.CompareWith"/>.</summary>
public sealed class PermissionComparison
{
    internal PermissionComparison(IReadOnlyList<PermissionMismatch> mismatches) => Mismatches = mismatches;

    /// <summary>Every difference, undeclared uses first, each group ordered by permission.</summary>
    public IReadOnlyList<PermissionMismatch> Mismatches { get; }

    /// <summary>True when some mismatch is an error (undeclared use under strict comparison).</summary>
    public bool HasErrors => Mismatches.Any(m => m.Severity == AnalysisSeverity.Error);

    /// <summary>True when the code uses nothing beyond what is declared.</summary>
    public bool IsCovered => Mismatches.All(m => m.Kind != PermissionMismatchKind.UsedButNotDeclared);
}
