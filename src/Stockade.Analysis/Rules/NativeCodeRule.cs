using System.Reflection;
using System.Reflection.Metadata;
using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>
/// STK0005: the plugin calls native code: methods declared with <c>pinvokeimpl</c> (DllImport and LibraryImport),
/// <c>NativeLibrary</c>, delegates over native pointers, or <c>calli</c> through function pointers.
/// </summary>
internal sealed class NativeCodeRule : IAnalysisRule
{
    public string Id => "STK0005";
    public string Title => "Native code (P/Invoke)";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => null;

    public void VisitAssembly(AssemblyScan scan)
    {
        var reader = scan.Reader;
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                if ((method.Attributes & MethodAttributes.PinvokeImpl) == 0)
                {
                    continue;
                }

                var import = method.GetImport();
                var library = import.Module.IsNil ? "?" : reader.GetString(reader.GetModuleReference(import.Module).Name);
                var entry = import.Name.IsNil ? reader.GetString(method.Name) : reader.GetString(import.Name);
                scan.Report(
                    this,
                    $"Declares a native import {library}!{entry}; native code bypasses the broker and is confined only by the kernel. Review it, or remove it.",
                    evidence: $"pinvokeimpl {library}!{entry}",
                    typeName: MetadataNames.GetTypeName(reader, typeHandle),
                    methodName: reader.GetString(method.Name));
            }
        }
    }

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        var isNative = call.OpCode == ILOpCode.Calli
            || call.TargetType == "System.Runtime.InteropServices.NativeLibrary"
            || (call.TargetType == "System.Runtime.InteropServices.Marshal" && call.TargetName == "GetDelegateForFunctionPointer");
        if (isNative)
        {
            scan.Report(this, call, $"Calls native code ({call.Evidence}); native code bypasses the broker and is confined only by the kernel. Review it, or remove it.");
        }
    }
}
