using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Stockade.Plugin.Generators;

/// <summary>
/// Emits, at build time, the dispatch table of every <c>IPlugin</c> class (so the worker or a NativeAOT plugin's server
/// calls its methods without reflection) and the typed proxy of every <c>[PluginContract]</c> interface, and reports
/// what cannot be served as diagnostics whose message is the fix.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PluginGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Candidates by syntax (cheap): classes with a base list (plugin classes, JSON contexts) and interfaces with
        // attributes (contracts). The semantic work below needs the whole compilation: which JSON context declares which
        // type is a property of the project, not of one declaration.
        var candidates = context.SyntaxProvider.CreateSyntaxProvider(
            static (node, _) => node is ClassDeclarationSyntax { BaseList: not null } or InterfaceDeclarationSyntax { AttributeLists.Count: > 0 },
            static (syntax, cancellationToken) => syntax.SemanticModel.GetDeclaredSymbol(syntax.Node, cancellationToken) is INamedTypeSymbol symbol
                ? symbol.GetDocumentationCommentId()
                : null)
            .Where(static name => name is not null)
            .Collect();

        // A plugin published with NativeAOT has no reflection fallback: what generated dispatch needs is an error there.
        var nativeAot = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue("build_property.PublishAot", out var aot) && string.Equals(aot, "true", System.StringComparison.OrdinalIgnoreCase));

        context.RegisterSourceOutput(context.CompilationProvider.Combine(candidates).Combine(nativeAot), static (output, input) =>
            Execute(output, input.Left.Left, input.Left.Right!, input.Right));
    }

    private static void Execute(SourceProductionContext output, Compilation compilation, ImmutableArray<string?> names, bool nativeAot)
    {
        if (KnownSymbols.Create(compilation) is not { } known)
        {
            return;
        }

        var types = Resolve(compilation, names, output.CancellationToken);
        var json = new JsonMetadata(known, types);
        foreach (var type in types)
        {
            output.CancellationToken.ThrowIfCancellationRequested();
            if (type.TypeKind == TypeKind.Class && IsPluginClass(type, known))
            {
                if (PluginModel.Build(type, known, json, nativeAot, output.ReportDiagnostic) is { } model)
                {
                    output.AddSource(HintName(type, "DispatchTable"), DispatchTableEmitter.Emit(model, json));
                }
            }
            else if (type.TypeKind == TypeKind.Interface && known.Attribute(type, known.PluginContractAttribute) is { } contract)
            {
                if (ContractModel.Build(type, contract, known, json, output.ReportDiagnostic) is { } model)
                {
                    output.AddSource(HintName(type, "Proxy"), ContractProxyEmitter.Emit(model, json));
                }
            }
        }
    }

    private static List<INamedTypeSymbol> Resolve(Compilation compilation, ImmutableArray<string?> names, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>();
        var types = new List<INamedTypeSymbol>();
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (name is null || !seen.Add(name))
            {
                continue;
            }

            // Partial declarations give the same id once per part; the id finds the one symbol.
            if (DocumentationCommentId.GetFirstSymbolForDeclarationId(name, compilation) is INamedTypeSymbol type)
            {
                types.Add(type);
            }
        }

        types.Sort((a, b) => string.CompareOrdinal(a.ToDisplayString(), b.ToDisplayString()));
        return types;
    }

    // A class the worker could load as the plugin: public, top level, concrete, not generic, implementing IPlugin.
    private static bool IsPluginClass(INamedTypeSymbol type, KnownSymbols known)
    {
        if (type.IsAbstract || type.IsGenericType || type.ContainingType is not null || type.DeclaredAccessibility != Accessibility.Public || type.IsStatic)
        {
            return false;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (KnownSymbols.Is(implemented, known.IPlugin))
            {
                return true;
            }
        }

        return false;
    }

    private static string HintName(INamedTypeSymbol type, string suffix) =>
        type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty).Replace('<', '{').Replace('>', '}') + "." + suffix + ".g.cs";
}
