using System.Reflection.Metadata;
using Stockade.Analysis.Rules;

namespace Stockade.Analysis.Metadata;

/// <summary>The assembly being analysed and the findings collected from it.</summary>
internal sealed class AssemblyScan
{
    private readonly int _maxPerRule;
    private readonly Dictionary<string, int> _countPerRule = new(StringComparer.Ordinal);

    public AssemblyScan(MetadataReader reader, string displayPath, int maxPerRule)
    {
        Reader = reader;
        DisplayPath = displayPath;
        _maxPerRule = maxPerRule;
    }

    public MetadataReader Reader { get; }

    /// <summary>Path shown in findings (relative to the plugin folder).</summary>
    public string DisplayPath { get; }

    public List<AnalysisFinding> Findings { get; } = [];

    public int Suppressed { get; private set; }

    public void Report(IAnalysisRule rule, string message, string evidence, string? typeName = null, string? methodName = null, int? ilOffset = null, string? permission = null)
    {
        _countPerRule.TryGetValue(rule.Id, out var count);
        if (count >= _maxPerRule)
        {
            Suppressed++;
            return;
        }

        _countPerRule[rule.Id] = count + 1;
        Findings.Add(new AnalysisFinding
        {
            RuleId = rule.Id,
            Severity = rule.Severity,
            Message = message,
            Assembly = DisplayPath,
            TypeName = typeName,
            MethodName = methodName,
            ILOffset = ilOffset,
            RequiredPermission = permission ?? rule.RequiredPermission,
            Evidence = evidence,
        });
    }

    public void Report(IAnalysisRule rule, in CallSite call, string message, string? permission = null) =>
        Report(rule, message, call.Evidence, call.CallerType, call.CallerMethod, call.ILOffset, permission);
}
