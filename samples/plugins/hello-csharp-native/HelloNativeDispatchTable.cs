using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Stockade.Plugin;
using Stockade.Plugin.Generated;

[assembly: PluginDispatchTable(typeof(Samples.HelloNative.HelloNativePlugin), typeof(Samples.HelloNative.HelloNativeDispatchTable))]

namespace Samples.HelloNative;

/// <summary>
/// The plugin's dispatch table, written by hand in the shape the Stockade.Plugin source generator emits: each entry binds
/// its input with the source-generated metadata of <see cref="HelloNativeJson"/> and calls the method directly, so
/// nothing is found by reflection at run time. Delete it once the generator is referenced.
/// </summary>
public sealed class HelloNativeDispatchTable : IPluginDispatchTable
{
    private static readonly Dictionary<string, PluginEntryPoint> Methods = new(StringComparer.Ordinal)
    {
        ["greet"] = static (plugin, input, _) => Result(((HelloNativePlugin)plugin).Greet(Bind(input, HelloNativeJson.Default.GreetInput, "greet")), HelloNativeJson.Default.GreetOutput),
        ["count"] = static async (plugin, _, cancellationToken) => Json(await ((HelloNativePlugin)plugin).CountAsync(cancellationToken).ConfigureAwait(false), HelloNativeJson.Default.Int32),
        ["read"] = static (plugin, input, _) => Result(((HelloNativePlugin)plugin).Read(Bind(input, HelloNativeJson.Default.ReadInput, "read")), HelloNativeJson.Default.ReadOutput),
        ["sleep"] = static async (plugin, input, cancellationToken) =>
            Json(await ((HelloNativePlugin)plugin).SleepAsync(Bind(input, HelloNativeJson.Default.SleepInput, "sleep"), cancellationToken).ConfigureAwait(false), HelloNativeJson.Default.Int32),
        ["throw"] = static (plugin, _, _) =>
        {
            ((HelloNativePlugin)plugin).Throw();
            return ValueTask.FromResult<JsonElement?>(null);
        },
    };

    private static readonly Dictionary<string, PluginEntryPoint> Hooks = new(StringComparer.Ordinal)
    {
        ["demo.ping"] = static (plugin, _, _) => Result(((HelloNativePlugin)plugin).Ping(), HelloNativeJson.Default.PingOutput),
    };

    /// <inheritdoc />
    public Type PluginType => typeof(HelloNativePlugin);

    /// <inheritdoc />
    public IReadOnlyList<string> MethodNames { get; } = [.. Methods.Keys];

    /// <inheritdoc />
    public IReadOnlyList<string> HookNames { get; } = [.. Hooks.Keys];

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> Contracts { get; } = new Dictionary<string, int>();

    /// <inheritdoc />
    public IPlugin CreatePlugin() => new HelloNativePlugin();

    /// <inheritdoc />
    public PluginEntryPoint? FindMethod(string name) => Methods.GetValueOrDefault(name);

    /// <inheritdoc />
    public PluginEntryPoint? FindHook(string name) => Hooks.GetValueOrDefault(name);

    private static T Bind<T>(JsonElement? input, JsonTypeInfo<T> info, string method)
    {
        if (input is not { ValueKind: not JsonValueKind.Null } value)
        {
            throw new PluginInputException($"'{method}' needs an input of type {typeof(T).Name}");
        }

        try
        {
            return value.Deserialize(info) ?? throw new PluginInputException($"'{method}' needs an input of type {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new PluginInputException($"the input of '{method}' does not fit {typeof(T).Name}: {e.Message}", e);
        }
    }

    private static ValueTask<JsonElement?> Result<T>(T value, JsonTypeInfo<T> info) => ValueTask.FromResult(Json(value, info));

    private static JsonElement? Json<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.SerializeToElement(value, info);
}
