using System.Reflection.Metadata;
using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>
/// STK0003: the plugin opens sockets or builds its own HTTP client. A sandboxed worker has no IP sockets;
/// network access goes through the broker (the SDK's HTTP), which the SDK assembly does for the plugin.
/// </summary>
internal sealed class NetworkRule : IAnalysisRule
{
    private static readonly HashSet<string> ConstructedTypes = new(StringComparer.Ordinal)
    {
        "System.Net.Http.HttpClient", "System.Net.Http.HttpClientHandler", "System.Net.Http.SocketsHttpHandler",
        "System.Net.WebClient", "System.Net.HttpListener", "System.Net.WebSockets.ClientWebSocket",
    };

    public string Id => "STK0003";
    public string Title => "Direct network access";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => "network:request";

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        var isNetwork =
            call.TargetType.StartsWith("System.Net.Sockets.", StringComparison.Ordinal)
            || (call.OpCode == ILOpCode.Newobj && ConstructedTypes.Contains(call.TargetType))
            || (call.TargetType is "System.Net.WebRequest" or "System.Net.HttpWebRequest" && call.TargetName.StartsWith("Create", StringComparison.Ordinal))
            || (call.TargetType == "System.Net.Dns" && call.TargetName.StartsWith("GetHost", StringComparison.Ordinal));
        if (isNetwork)
        {
            scan.Report(this, call, $"Uses the network directly ({call.Evidence}); declare 'network:request=<host>' and use the Stockade SDK's HTTP, since a sandboxed worker has no IP sockets.");
        }
    }
}
