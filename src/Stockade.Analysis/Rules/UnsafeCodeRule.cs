using System.Reflection.Metadata;
using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>
/// STK0006: the assembly was compiled with unsafe code (<c>UnverifiableCodeAttribute</c>, emitted for
/// <c>AllowUnsafeBlocks</c>) or, when that marker is absent, declares methods with pointer types.
/// </summary>
internal sealed class UnsafeCodeRule : IAnalysisRule
{
    public string Id => "STK0006";
    public string Title => "Unsafe code";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => null;

    public void VisitAssembly(AssemblyScan scan)
    {
        var reader = scan.Reader;
        foreach (var attributeHandle in reader.GetModuleDefinition().GetCustomAttributes())
        {
            if (MetadataNames.GetAttributeTypeName(reader, reader.GetCustomAttribute(attributeHandle)) == "System.Security.UnverifiableCodeAttribute")
            {
                scan.Report(this, "The assembly is compiled with unsafe code (AllowUnsafeBlocks); pointers can read and write any memory of the worker. Review it.", "System.Security.UnverifiableCodeAttribute");
                return;
            }
        }

        foreach (var typeHandle in reader.TypeDefinitions)
        {
            foreach (var methodHandle in reader.GetTypeDefinition(typeHandle).GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                var signature = method.DecodeSignature(TypeNameProvider.Instance, genericContext: null);
                if (signature.ReturnType.Contains('*', StringComparison.Ordinal) || signature.ParameterTypes.Any(p => p.Contains('*', StringComparison.Ordinal)))
                {
                    scan.Report(
                        this,
                        "Declares a method with pointer types; pointers can read and write any memory of the worker. Review it.",
                        evidence: "pointer type in signature",
                        typeName: MetadataNames.GetTypeName(reader, typeHandle),
                        methodName: reader.GetString(method.Name));
                }
            }
        }
    }
}
