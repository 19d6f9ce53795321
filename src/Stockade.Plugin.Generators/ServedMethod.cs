using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// What a method's return type gives the caller once awaited.
internal enum ReturnShape
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

// One [PluginMethod]/[PluginHook] (or contract) method as the emitters need it: its wire name, how its input binds and
// what it returns. Interface is set when the method is served through a contract interface (called through it).
internal sealed class ServedMethod
{
    public ServedMethod(string wireName, IMethodSymbol method)
    {
        WireName = wireName;
        Method = method;
    }

    public string WireName { get; }

    public IMethodSymbol Method { get; }

    public INamedTypeSymbol? Interface { get; set; }

    public IParameterSymbol? Input { get; set; }

    public IParameterSymbol? Token { get; set; }

    public ReturnShape Shape { get; set; }

    /// <summary>The awaited result type (Value, TaskOfT, ValueTaskOfT); null otherwise.</summary>
    public ITypeSymbol? Result { get; set; }

    public TypeMetadata? InputMetadata { get; set; }

    public TypeMetadata? ResultMetadata { get; set; }

    public bool InputIsElement { get; set; }

    public bool ResultIsElement { get; set; }

    /// <summary>Whether a null or absent input may bind (nullable, oblivious or defaulted parameter).</summary>
    public bool InputMayBeNull { get; set; }
}
