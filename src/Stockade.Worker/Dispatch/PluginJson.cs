using System.Text.Json;

namespace Stockade.Worker;

// JSON settings for plugin inputs and results (reflection-based: plugin types are only known at run time).
internal static class PluginJson
{
    // Missing required inputs and nulls for non-nullable members are binding errors, reported as invalid_params. The
    // conventions are the host's too (PayloadJson, shared with StockadeJson.Options): what a plugin writes, a typed
    // InvokeAsync<T> reads.
    public static JsonSerializerOptions Options { get; } = Protocol.PayloadJson.Create();

    /// <summary>
    /// Runs the reflection-based serializer once each way on a record of the worker's own (string and number members, a
    /// parameterised constructor), so that the code a plugin's first call binds and answers with is compiled ahead:
    /// instantiations over reference types share their code, so this covers most of what a plugin's own records need.
    /// </summary>
    public static void WarmUp()
    {
        var sample = JsonSerializer.Deserialize<WarmUpRecord>("""{"name":"a","count":1,"tags":["b"]}"""u8, Options);
        _ = JsonSerializer.SerializeToElement(sample, Options);
    }

    private sealed record WarmUpRecord(string Name, int Count, IReadOnlyList<string> Tags);
}
