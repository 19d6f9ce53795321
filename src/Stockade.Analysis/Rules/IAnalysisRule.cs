using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>
/// One static-analysis rule over an assembly's metadata and IL. Rules are stateless; everything they need is
/// in the <see cref="AssemblyScan"/> and the <see cref="CallSite"/> they are handed.
/// </summary>
internal interface IAnalysisRule
{
    string Id { get; }

    string Title { get; }

    AnalysisSeverity Severity { get; }

    /// <summary>Permission the rule maps to (<c>category:action</c>); <see langword="null"/> when no permission can allow it.</summary>
    string? RequiredPermission { get; }

    /// <summary>Called once per assembly, for declarations (attributes, type hierarchy, method flags).</summary>
    void VisitAssembly(AssemblyScan scan)
    {
    }

    /// <summary>Called for every call-like instruction in every method body.</summary>
    void VisitCall(AssemblyScan scan, in CallSite call)
    {
    }
}
