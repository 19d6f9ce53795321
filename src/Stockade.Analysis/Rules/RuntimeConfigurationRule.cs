using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>STK0009: the plugin changes runtime behaviour (<c>AppContext.SetSwitch</c>, <c>AppContext.SetData</c>) or uses <c>AppDomain</c>.</summary>
internal sealed class RuntimeConfigurationRule : IAnalysisRule
{
    public string Id => "STK0009";
    public string Title => "Runtime configuration or AppDomain use";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => null;

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        var matches = (call.TargetType == "System.AppContext" && call.TargetName is "SetSwitch" or "SetData")
            || call.TargetType == "System.AppDomain";
        if (matches)
        {
            scan.Report(this, call, $"Changes runtime-wide settings or uses the AppDomain ({call.Evidence}); this affects the whole worker and is no isolation boundary. Review it.");
        }
    }
}
