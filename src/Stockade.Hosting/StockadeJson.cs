using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Stockade.Hosting;

/// <summary>
/// The JSON conventions of plugin inputs, results and host-service arguments: the ones the worker uses, so a typed call
/// reads exactly what a plugin writes. Web conventions (<see cref="JsonSerializerDefaults.Web"/>): camelCase names
/// written (<c>TempC</c> → <c>"tempC"</c>), names read without regard to case, numbers read from strings too; a missing
/// required constructor parameter or a null for a non-nullable member is an error, never a silent default.
/// </summary>
/// <remarks>
/// <see cref="PluginHost.InvokeAsync{TResult}(string, string, object?, JsonSerializerOptions?, CancellationToken)"/>, the
/// host services' argument binding and results, and the plugin test kit all use <see cref="Options"/> unless given other
/// options. It is read-only: to change a convention, copy it (<c>new JsonSerializerOptions(StockadeJson.Options)</c>)
/// and pass the copy to the call.
/// </remarks>
public static class StockadeJson
{
    /// <summary>The one shared, read-only options object (reflection-based: plugin and app types are known only at run time).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = Protocol.PayloadJson.Create();
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
        options.MakeReadOnly();
        return options;
    }
}
