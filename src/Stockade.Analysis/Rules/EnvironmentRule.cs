using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>STK0004: the plugin reads or sets environment variables.</summary>
internal sealed class EnvironmentRule : IAnalysisRule
{
    public string Id => "STK0004";
    public string Title => "Environment variable access";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => "env:read";

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        if (call.TargetType == "System.Environment"
            && call.TargetName is "GetEnvironmentVariable" or "GetEnvironmentVariables" or "SetEnvironmentVariable" or "ExpandEnvironmentVariables")
        {
            scan.Report(this, call, $"Reads environment variables ({call.Evidence}); declare 'env:read=<NAME>' for each variable, only granted variables exist in the worker.");
        }
    }
}
