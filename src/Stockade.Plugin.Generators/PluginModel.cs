using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// A plugin class as its dispatch table needs it: methods, hooks and contracts, every shape checked. Null (and every
// problem reported) when something cannot be served: a build that fails names them all at once.
internal sealed class PluginModel
{
    private PluginModel(INamedTypeSymbol plugin) => Plugin = plugin;

    public INamedTypeSymbol Plugin { get; }

    public List<ServedMethod> Methods { get; } = [];

    public List<ServedMethod> Hooks { get; } = [];

    public SortedDictionary<string, int> Contracts { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Set when the project declares no JsonSerializerContext and a type needs one: the fix, reported once as information
    /// (the worker's reflection dispatch serves such a JIT plugin as before); in a NativeAOT plugin it is an error.
    /// </summary>
    public string? ReflectionFallback { get; set; }

    public static PluginModel? Build(INamedTypeSymbol plugin, KnownSymbols known, JsonMetadata json, bool nativeAot, Action<Diagnostic> report)
    {
        var model = new PluginModel(plugin) { ReflectionFallback = nativeAot || json.Contexts.Count > 0 ? null : string.Empty };
        var failed = false;
        if (!HasPublicParameterlessConstructor(plugin))
        {
            report(Diagnostic.Create(Diagnostics.NoParameterlessConstructor, plugin.Locations[0], plugin.ToDisplayString(), plugin.Name));
            failed = true;
        }

        var methodNames = new Dictionary<string, ServedMethod>(StringComparer.Ordinal);
        var hookNames = new Dictionary<string, ServedMethod>(StringComparer.Ordinal);

        // The class's own methods and inherited ones (reflection's GetMethods(Public | Instance) sees both); an override
        // hides what it overrides, and the attributes are not inherited.
        var overridden = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        for (var type = plugin; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method || overridden.Contains(method))
                {
                    continue;
                }

                for (var hidden = method.OverriddenMethod; hidden is not null; hidden = hidden.OverriddenMethod)
                {
                    overridden.Add(hidden);
                }

                var exposed = known.Attribute(method, known.PluginMethodAttribute);
                if (exposed is not null)
                {
                    failed |= !Add(model, model.Methods, methodNames, "method", exposed, method, null, known, json, report);
                }

                var hook = known.Attribute(method, known.PluginHookAttribute);
                if (hook is not null)
                {
                    failed |= !Add(model, model.Hooks, hookNames, "hook", hook, method, null, known, json, report);
                }
            }
        }

        // Contract methods: the wire name is declared on the interface; the call goes through it (explicit implementations
        // included). A class method that also carries the same name is the same entry, not a duplicate.
        foreach (var contract in plugin.AllInterfaces)
        {
            var declared = known.Attribute(contract, known.PluginContractAttribute);
            if (declared is null)
            {
                continue;
            }

            if (KnownSymbols.FirstString(declared) is { } contractName && declared.ConstructorArguments.Length > 1 && declared.ConstructorArguments[1].Value is int version)
            {
                model.Contracts[contractName] = version;
            }

            foreach (var member in contract.GetMembers())
            {
                if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method || known.Attribute(method, known.PluginMethodAttribute) is not { } exposed)
                {
                    continue;
                }

                var implementation = plugin.FindImplementationForInterfaceMember(method) as IMethodSymbol;
                if (KnownSymbols.FirstString(exposed) is { } wire && methodNames.TryGetValue(wire, out var existing)
                    && SymbolEqualityComparer.Default.Equals(existing.Method, implementation))
                {
                    continue;
                }

                failed |= !Add(model, model.Methods, methodNames, "method", exposed, method, contract, known, json, report, plugin);
            }
        }

        if (!failed && !string.IsNullOrEmpty(model.ReflectionFallback))
        {
            report(Diagnostic.Create(Diagnostics.ReflectionDispatch, plugin.Locations[0], plugin.Name, model.ReflectionFallback));
            return null;
        }

        return failed ? null : model;
    }

    private static bool Add(
        PluginModel model,
        List<ServedMethod> list, Dictionary<string, ServedMethod> names, string kind, AttributeData attribute, IMethodSymbol method,
        INamedTypeSymbol? contract, KnownSymbols known, JsonMetadata json, Action<Diagnostic> report, INamedTypeSymbol? plugin = null)
    {
        var location = KnownSymbols.LocationOf(attribute, method);
        // A contract's method is reported on the plugin class when the interface lives in another assembly.
        if (contract is not null && plugin is not null && !location.IsInSource)
        {
            location = plugin.Locations[0];
        }

        var name = KnownSymbols.FirstString(attribute) ?? string.Empty;
        if (string.IsNullOrWhiteSpace(name))
        {
            report(Diagnostic.Create(Diagnostics.EmptyName, location, kind, method.Name, Suggest(method.Name)));
            return false;
        }

        var served = new ServedMethod(name, method) { Interface = contract };
        if (MethodShape.Analyze(served, known, remote: false) is { } problem)
        {
            report(Diagnostic.Create(Diagnostics.UnsupportedSignature, location, method.Name, name, problem.Problem, problem.Fix));
            return false;
        }

        if (names.TryGetValue(name, out var first))
        {
            report(Diagnostic.Create(Diagnostics.DuplicateName, location, kind, name, first.Method.Name, method.Name));
            return false;
        }

        if (model.ReflectionFallback is not null)
        {
            // No context in the project: note the first fix and keep checking shapes (reflection serves it meanwhile).
            if (model.ReflectionFallback.Length == 0)
            {
                var missing = new List<Diagnostic>();
                Metadata(served, known, json, location, missing.Add, (plugin ?? method.ContainingType).Name);
                if (missing.Count > 0)
                {
                    var text = missing[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture);
                    model.ReflectionFallback = text.Substring(text.IndexOf("; ", StringComparison.Ordinal) + 2);
                }
            }
            else
            {
                Metadata(served, known, json, location, static _ => { }, string.Empty);
            }
        }
        else if (!Metadata(served, known, json, location, report, (plugin ?? method.ContainingType).Name))
        {
            return false;
        }

        names.Add(name, served);
        list.Add(served);
        return true;
    }

    // The JSON metadata of the input and result; a missing one is reported with the [JsonSerializable] line to add.
    public static bool Metadata(ServedMethod served, KnownSymbols known, JsonMetadata json, Location location, Action<Diagnostic> report, string owner)
    {
        var ok = true;
        if (served.Input is { } input && !served.InputIsElement)
        {
            served.InputMetadata = json.Find(input.Type, owner, out var fix);
            if (served.InputMetadata is null)
            {
                report(Diagnostic.Create(Diagnostics.MissingJsonMetadata, location, served.WireName, Shown(input.Type), fix));
                ok = false;
            }
        }

        if (served.Result is { } result && !served.ResultIsElement)
        {
            served.ResultMetadata = json.Find(result, owner, out var fix);
            if (served.ResultMetadata is null)
            {
                report(Diagnostic.Create(Diagnostics.MissingJsonMetadata, location, served.WireName, Shown(result), fix));
                ok = false;
            }
        }

        _ = known;
        return ok;
    }

    private static string Shown(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    // "GreetAsync" -> "greet": a suggestion for an empty name.
    private static string Suggest(string methodName)
    {
        var name = methodName.EndsWith("Async", StringComparison.Ordinal) && methodName.Length > 5 ? methodName.Substring(0, methodName.Length - 5) : methodName;
        return name.Length == 0 ? "call" : char.ToLowerInvariant(name[0]) + name.Substring(1);
    }

    private static bool HasPublicParameterlessConstructor(INamedTypeSymbol type)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility == Accessibility.Public && constructor.Parameters.Length == 0)
            {
                return true;
            }
        }

        return false;
    }
}
