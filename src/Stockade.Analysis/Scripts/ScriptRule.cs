using System.Text.RegularExpressions;

namespace Stockade.Analysis.Scripts;

/// <summary>A line-based rule for script plugins; a language without a pattern is not checked by it.</summary>
internal sealed record ScriptRule(
    string Id,
    string Title,
    AnalysisSeverity Severity,
    string? RequiredPermission,
    Regex? Python,
    Regex? Shell,
    string Advice);
