using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>invoke</c>.</summary>
/// <param name="Method">The plugin method to call.</param>
/// <param name="Input">Its input, bound to the method's parameter.</param>
internal sealed record InvokeParams(
    string Method,
    JsonElement? Input)
{
    /// <summary>The W3C <c>traceparent</c> of the host's span for this call; absent when the host traces nothing.</summary>
    [JsonPropertyName("traceparent")]
    public string? TraceParent { get; init; }

    /// <summary>The W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>, when there is one.</summary>
    [JsonPropertyName("tracestate")]
    public string? TraceState { get; init; }
}
