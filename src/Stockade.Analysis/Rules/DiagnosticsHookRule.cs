using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>
/// STK0010: startup hooks and runtime diagnostics: a type named <c>StartupHook</c> (what
/// <c>DOTNET_STARTUP_HOOKS</c> runs), types deriving from <c>EventListener</c>, and use of the diagnostics client
/// (which talks to other .NET processes over their diagnostics sockets).
/// </summary>
internal sealed class DiagnosticsHookRule : IAnalysisRule
{
    private const string EventListener = "System.Diagnostics.Tracing.EventListener";

    public string Id => "STK0010";
    public string Title => "Startup hook or runtime diagnostics";
    public AnalysisSeverity Severity => AnalysisSeverity.Error;
    public string? RequiredPermission => null;

    public void VisitAssembly(AssemblyScan scan)
    {
        var reader = scan.Reader;
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            var name = MetadataNames.GetTypeName(reader, handle);
            if (reader.GetString(type.Name) == "StartupHook" && type.GetDeclaringType().IsNil)
            {
                scan.Report(this, "Declares a type named StartupHook, the shape the runtime runs from DOTNET_STARTUP_HOOKS before Main. Rename it or remove it.", "StartupHook", typeName: name);
            }

            if (MetadataNames.GetTypeName(reader, type.BaseType) == EventListener)
            {
                scan.Report(this, "Derives from EventListener, which observes runtime events of the whole worker. Remove it.", EventListener, typeName: name);
            }
        }
    }

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        if (call.TargetType.StartsWith("Microsoft.Diagnostics.NETCore.Client.", StringComparison.Ordinal))
        {
            scan.Report(this, call, $"Uses the .NET diagnostics client ({call.Evidence}), which can attach to other .NET processes. Remove it.");
        }
    }
}
