using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Stockade.Plugin.Generators;

// A [PluginContract] interface as its proxy needs it: every method served remotely (async, one input, a token).
internal sealed class ContractModel
{
    private ContractModel(INamedTypeSymbol contract, string name, int version, ITypeSymbol jsonElement)
    {
        JsonElement = jsonElement;
        Contract = contract;
        Name = name;
        Version = version;
    }

    public INamedTypeSymbol Contract { get; }

    public string Name { get; }

    public int Version { get; }

    public ITypeSymbol JsonElement { get; }

    public List<ServedMethod> Methods { get; } = [];

    public string ProxyName => Contract.Name.Length > 1 && Contract.Name[0] == 'I' && char.IsUpper(Contract.Name[1])
        ? Contract.Name.Substring(1) + "Proxy"
        : Contract.Name + "Proxy";

    public static ContractModel? Build(INamedTypeSymbol contract, AttributeData attribute, KnownSymbols known, JsonMetadata json, Action<Diagnostic> report)
    {
        var failed = false;
        foreach (var reference in contract.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is InterfaceDeclarationSyntax syntax && !syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                report(Diagnostic.Create(Diagnostics.ContractNotPartial, syntax.Identifier.GetLocation(), contract.Name));
                failed = true;
            }
        }

        if (contract.ContainingType is not null || contract.IsGenericType)
        {
            report(Diagnostic.Create(Diagnostics.UnsupportedSignature, contract.Locations[0], contract.Name, KnownSymbols.FirstString(attribute) ?? string.Empty,
                "a contract is a non-generic interface declared in a namespace", "move it out of its containing type and give it no type parameters"));
            failed = true;
        }

        var name = KnownSymbols.FirstString(attribute) ?? string.Empty;
        var version = attribute.ConstructorArguments.Length > 1 && attribute.ConstructorArguments[1].Value is int v ? v : 0;
        var model = new ContractModel(contract, name, version, known.JsonElement);
        var names = new Dictionary<string, ServedMethod>(StringComparer.Ordinal);
        foreach (var member in contract.GetMembers())
        {
            if (member is IPropertySymbol or IEventSymbol)
            {
                report(Diagnostic.Create(Diagnostics.UnsupportedSignature, member.Locations[0], member.Name, name,
                    "a contract holds only methods (a proxy cannot carry state across processes)", "turn it into a [PluginMethod] method"));
                failed = true;
                continue;
            }

            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method || method.IsStatic || !method.IsAbstract)
            {
                continue;
            }

            var exposed = known.Attribute(method, known.PluginMethodAttribute);
            var location = KnownSymbols.LocationOf(exposed, method);
            var wire = KnownSymbols.FirstString(exposed);
            if (exposed is null || string.IsNullOrWhiteSpace(wire))
            {
                report(Diagnostic.Create(Diagnostics.UnsupportedSignature, location, method.Name, name,
                    "every contract method needs its wire name", $"add [PluginMethod(\"{char.ToLowerInvariant(method.Name[0])}{method.Name.Substring(1).Replace("Async", string.Empty)}\")]"));
                failed = true;
                continue;
            }

            var served = new ServedMethod(wire!, method) { Interface = contract };
            if (MethodShape.Analyze(served, known, remote: true) is { } problem)
            {
                report(Diagnostic.Create(Diagnostics.UnsupportedSignature, location, method.Name, wire, problem.Problem, problem.Fix));
                failed = true;
                continue;
            }

            if (names.TryGetValue(wire!, out var first))
            {
                report(Diagnostic.Create(Diagnostics.DuplicateName, location, "method", wire, first.Method.Name, method.Name));
                failed = true;
                continue;
            }

            if (!PluginModel.Metadata(served, known, json, location, report, contract.Name.TrimStart('I')))
            {
                failed = true;
                continue;
            }

            names.Add(wire!, served);
            model.Methods.Add(served);
        }

        return failed ? null : model;
    }
}
