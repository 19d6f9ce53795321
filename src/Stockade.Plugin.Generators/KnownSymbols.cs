using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// The SDK and BCL types the generator recognises, resolved once per compilation. Null when the compilation does not
// reference a Stockade.Plugin that has the generated-code seam (an older SDK): then nothing is generated.
internal sealed class KnownSymbols
{
    private KnownSymbols(Compilation compilation)
    {
        Compilation = compilation;
        IPlugin = compilation.GetTypeByMetadataName("Stockade.Plugin.IPlugin")!;
        PluginMethodAttribute = compilation.GetTypeByMetadataName("Stockade.Plugin.PluginMethodAttribute")!;
        PluginHookAttribute = compilation.GetTypeByMetadataName("Stockade.Plugin.PluginHookAttribute")!;
        PluginContractAttribute = compilation.GetTypeByMetadataName("Stockade.Plugin.PluginContractAttribute")!;
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken")!;
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task")!;
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1")!;
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask")!;
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1")!;
        JsonElement = compilation.GetTypeByMetadataName("System.Text.Json.JsonElement")!;
        JsonSerializerContext = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonSerializerContext");
        JsonSerializableAttribute = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonSerializableAttribute");
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol IPlugin { get; }

    public INamedTypeSymbol PluginMethodAttribute { get; }

    public INamedTypeSymbol PluginHookAttribute { get; }

    public INamedTypeSymbol PluginContractAttribute { get; }

    public INamedTypeSymbol CancellationToken { get; }

    public INamedTypeSymbol Task { get; }

    public INamedTypeSymbol TaskOfT { get; }

    public INamedTypeSymbol ValueTask { get; }

    public INamedTypeSymbol ValueTaskOfT { get; }

    public INamedTypeSymbol JsonElement { get; }

    public INamedTypeSymbol? JsonSerializerContext { get; }

    public INamedTypeSymbol? JsonSerializableAttribute { get; }

    public static KnownSymbols? Create(Compilation compilation)
    {
        if (compilation.GetTypeByMetadataName("Stockade.Plugin.Generated.IPluginDispatchTable") is null
            || compilation.GetTypeByMetadataName("Stockade.Plugin.IPlugin") is null
            || compilation.GetTypeByMetadataName("System.Text.Json.JsonElement") is null)
        {
            return null;
        }

        return new KnownSymbols(compilation);
    }

    public static bool Is(ISymbol? symbol, INamedTypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(symbol, type);

    public AttributeData? Attribute(ISymbol symbol, INamedTypeSymbol attribute)
    {
        foreach (var data in symbol.GetAttributes())
        {
            if (Is(data.AttributeClass, attribute))
            {
                return data;
            }
        }

        return null;
    }

    public static string? FirstString(AttributeData? data) =>
        data is { ConstructorArguments.Length: > 0 } && data.ConstructorArguments[0].Value is string text ? text : null;

    public static Location LocationOf(AttributeData? data, ISymbol fallback) =>
        data?.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? (fallback.Locations.Length > 0 ? fallback.Locations[0] : Location.None);
}
