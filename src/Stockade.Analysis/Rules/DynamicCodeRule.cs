using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>
/// STK0007: the plugin generates or loads code at run time, or names types by string, so what it runs cannot be
/// seen by this analysis: Reflection.Emit, <c>DynamicMethod</c>, <c>Assembly.Load*</c>, <c>AssemblyLoadContext</c>
/// loading, <c>Activator.CreateInstance(string, …)</c>, <c>Type.GetType(string, …)</c>.
/// </summary>
internal sealed class DynamicCodeRule : IAnalysisRule
{
    public string Id => "STK0007";
    public string Title => "Dynamic code";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => null;

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        var type = call.TargetType;
        var name = call.TargetName;
        var isDynamic =
            type.StartsWith("System.Reflection.Emit.", StringComparison.Ordinal)
            || (type == "System.Reflection.Assembly" && name.StartsWith("Load", StringComparison.Ordinal))
            || (type == "System.Runtime.Loader.AssemblyLoadContext" && name.StartsWith("LoadFrom", StringComparison.Ordinal))
            || (type == "System.Activator" && name.StartsWith("CreateInstance", StringComparison.Ordinal) && call.GetFirstParameterType() == "System.String")
            || (type == "System.Type" && name == "GetType" && call.GetFirstParameterType() == "System.String");
        if (isDynamic)
        {
            scan.Report(this, call, $"Generates or loads code at run time ({call.Evidence}); what it runs cannot be analysed statically. Ship the code in the plugin instead, or review it.");
        }
    }
}
