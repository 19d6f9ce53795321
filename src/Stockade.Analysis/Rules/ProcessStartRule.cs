using System.Reflection.Metadata;
using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>STK0001: the plugin starts processes.</summary>
internal sealed class ProcessStartRule : IAnalysisRule
{
    public string Id => "STK0001";
    public string Title => "Process start";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => "subprocess:execute";

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        if (call.TargetType == "System.Diagnostics.Process" && call.TargetName == "Start" && call.OpCode != ILOpCode.Ldftn)
        {
            scan.Report(this, call, $"Starts a process ({call.Evidence}); declare 'subprocess:execute=<absolute path>' for each executable it runs.");
        }
    }
}
