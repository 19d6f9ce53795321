using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Stockade.Plugin.Generators;

/// <summary>
/// In a plugin published with NativeAOT (<c>PublishAot</c>), warns at each call that loads code or reaches members by
/// reflection at run time: the AOT compiler sees only what is referenced at build time, so these fail or find nothing.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NativeAotPluginAnalyzer : DiagnosticAnalyzer
{
    private const string Loads = "it loads an assembly at run time, and a NativeAOT plugin is one executable compiled ahead; reference the code at build time";
    private const string ByName = "it finds or builds a type at run time, which the AOT compiler cannot see; use typeof(...) or the type itself";
    private const string Creates = "it creates an instance of a type chosen at run time; call the constructor (or a factory) directly";
    private const string Invokes = "it calls a member through reflection, whose code the AOT compiler may have removed; call it directly";
    private const string Emits = "it emits code at run time, and a NativeAOT process has no JIT; generate the code at build time";

    // Allow-list thinking reversed on purpose: these are the known ways to reach code the compiler cannot see.
    private static readonly (string Type, string[]? Methods, string Why)[] Banned =
    [
        ("System.Reflection.Assembly", ["Load", "LoadFrom", "LoadFile", "UnsafeLoadFrom", "LoadWithPartialName"], Loads),
        ("System.Runtime.Loader.AssemblyLoadContext", ["LoadFromAssemblyPath", "LoadFromAssemblyName", "LoadFromStream", "LoadFromNativeImagePath"], Loads),
        ("System.Type", ["GetType", "InvokeMember", "MakeGenericType"], ByName),
        ("System.Activator", ["CreateInstance", "CreateInstanceFrom"], Creates),
        ("System.Reflection.MethodBase", ["Invoke"], Invokes),
        ("System.Reflection.MethodInfo", ["Invoke", "MakeGenericMethod"], Invokes),
        ("System.Reflection.ConstructorInfo", ["Invoke"], Invokes),
        ("System.Reflection.PropertyInfo", ["GetValue", "SetValue"], Invokes),
        ("System.Reflection.FieldInfo", ["GetValue", "SetValue"], Invokes),
    ];

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Diagnostics.DynamicCodeInNativePlugin];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (!start.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue("build_property.PublishAot", out var aot)
                || !string.Equals(aot, "true", StringComparison.OrdinalIgnoreCase)
                || start.Compilation.GetTypeByMetadataName("Stockade.Plugin.IPlugin") is null)
            {
                return;
            }

            var banned = new Dictionary<INamedTypeSymbol, (string[]? Methods, string Why)>(SymbolEqualityComparer.Default);
            foreach (var (type, methods, why) in Banned)
            {
                if (start.Compilation.GetTypeByMetadataName(type) is { } symbol)
                {
                    banned[symbol] = (methods, why);
                }
            }

            start.RegisterOperationAction(operation => Check(operation, banned), OperationKind.Invocation);
        });
    }

    private static void Check(OperationAnalysisContext context, Dictionary<INamedTypeSymbol, (string[]? Methods, string Why)> banned)
    {
        var method = ((IInvocationOperation)context.Operation).TargetMethod;
        var why = Reason(method, banned);
        if (why is not null)
        {
            var shown = method.ContainingType.Name + "." + method.Name;
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.DynamicCodeInNativePlugin, context.Operation.Syntax.GetLocation(), shown, why));
        }
    }

    private static string? Reason(IMethodSymbol method, Dictionary<INamedTypeSymbol, (string[]? Methods, string Why)> banned)
    {
        var ns = method.ContainingNamespace?.ToDisplayString();
        if (ns is not null && ns.StartsWith("System.Reflection.Emit", StringComparison.Ordinal))
        {
            return Emits;
        }

        // Activator.CreateInstance<T>() is seen by the compiler; the Type and string overloads are not.
        if (method.IsGenericMethod && method.Name == "CreateInstance")
        {
            return null;
        }

        // Type.GetType() (no arguments) is the instance's own type: harmless.
        if (method.Name == "GetType" && method.Parameters.Length == 0)
        {
            return null;
        }

        for (var type = method.ContainingType; type is not null; type = type.BaseType)
        {
            if (banned.TryGetValue(type.OriginalDefinition, out var entry) && (entry.Methods is null || Array.IndexOf(entry.Methods, method.Name) >= 0))
            {
                return entry.Why;
            }
        }

        return null;
    }
}
