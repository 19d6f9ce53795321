using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>
/// STK0008: reflection over non-public members. Heuristic: a <c>BindingFlags</c> constant with <c>NonPublic</c>
/// and <c>Instance</c> or <c>Static</c> is loaded in a method before it calls a <c>Type</c> member lookup.
/// </summary>
internal sealed class NonPublicReflectionRule : IAnalysisRule
{
    private static readonly HashSet<string> Lookups = new(StringComparer.Ordinal)
    {
        "GetMethod", "GetMethods", "GetField", "GetFields", "GetProperty", "GetProperties", "GetMember",
        "GetMembers", "GetConstructor", "GetConstructors", "GetEvent", "GetEvents", "GetNestedType",
        "GetNestedTypes", "InvokeMember", "GetDeclaredMethod", "GetDeclaredField", "GetDeclaredProperty",
    };

    public string Id => "STK0008";
    public string Title => "Reflection over non-public members";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => null;

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        if (call.NonPublicBindingFlagsLoaded
            && call.TargetType is "System.Type" or "System.Reflection.TypeInfo"
            && Lookups.Contains(call.TargetName))
        {
            scan.Report(this, call, $"Looks up non-public members by reflection ({call.Evidence} with BindingFlags.NonPublic); this reaches into host or runtime internals. Use public APIs instead.");
        }
    }
}
