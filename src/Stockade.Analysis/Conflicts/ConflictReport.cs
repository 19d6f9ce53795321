namespace Stockade.Analysis.Conflicts;

/// <summary>Result of <see cref="ConflictResolver.Check"/> or <see cref="ConflictResolver.Analyze"/>.</summary>
public sealed class ConflictReport
{
    internal ConflictReport(IReadOnlyList<Conflict> conflicts, IReadOnlyList<string> loadOrder)
    {
        Conflicts = conflicts;
        LoadOrder = loadOrder;
    }

    /// <summary>Every problem found, errors first, then by kind and plugin.</summary>
    public IReadOnlyList<Conflict> Conflicts { get; }

    /// <summary>
    /// Plugin ids in an order where each comes after what it requires; ties broken by ordinal id. Plugins in a
    /// cycle, or requiring one, are left out because they cannot be ordered.
    /// </summary>
    public IReadOnlyList<string> LoadOrder { get; }

    /// <summary>True when some conflict is an error.</summary>
    public bool HasErrors => Conflicts.Any(c => c.Severity == AnalysisSeverity.Error);
}
