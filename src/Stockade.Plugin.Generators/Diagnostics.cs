using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// Every diagnostic of the plugin SDK's generator and analyzers. Each message ends with the fix, so that the build output
// alone says what to change (STK2xxx: plugin SDK; STK00xx belong to Stockade.Analysis).
internal static class Diagnostics
{
    private const string Category = "Stockade.Plugin";

    public static readonly DiagnosticDescriptor UnsupportedSignature = new(
        "STK2001",
        "Unsupported plugin method signature",
        "'{0}' ('{1}') cannot be served: {2}; {3}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A [PluginMethod] or [PluginHook] method is a non-generic public instance method with at most one input parameter (no ref/out/in) and an optional CancellationToken, returning a value, void, Task, Task<T>, ValueTask or ValueTask<T>.");

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "STK2002",
        "Duplicate plugin method or hook name",
        "{0} name '{1}' is used by '{2}' and '{3}'; give each {0} its own name",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingJsonMetadata = new(
        "STK2003",
        "Missing JSON metadata",
        "'{0}' needs System.Text.Json metadata for {1}; {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Generated dispatch and proxies serialise without reflection: every input and result type must be declared on a JsonSerializerContext of the project.");

    public static readonly DiagnosticDescriptor ContractNotPartial = new(
        "STK2004",
        "Plugin contract must be partial",
        "contract interface '{0}' is not partial, so its proxy cannot be attached; declare it 'public partial interface {0}'",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DynamicCodeInNativePlugin = new(
        "STK2005",
        "Dynamic loading or reflection in a NativeAOT plugin",
        "'{0}' does not work in a plugin published with NativeAOT (PublishAot): {1}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoParameterlessConstructor = new(
        "STK2006",
        "Plugin class needs a public parameterless constructor",
        "plugin class '{0}' has no public parameterless constructor, so the worker cannot create it; add 'public {1}() {{ }}' and take what you need in InitializeAsync",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ReflectionDispatch = new(
        "STK2008",
        "Plugin dispatched by reflection",
        "'{0}' is dispatched by reflection because the project declares no JsonSerializerContext; for generated dispatch (a faster start, and required by NativeAOT) {1}",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "A plugin without a JsonSerializerContext keeps working through the worker's reflection dispatch; declaring one (with a [JsonSerializable] line per input and result type) lets the generator emit its dispatch table.");

    public static readonly DiagnosticDescriptor EmptyName = new(
        "STK2007",
        "Empty plugin method or hook name",
        "{0} '{1}' has an empty name; give it a name such as \"{2}\"",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
