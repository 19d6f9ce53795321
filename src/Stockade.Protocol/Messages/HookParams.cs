using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>hook</c>.</summary>
/// <param name="Name">The hook, e.g. <c>clip.copied</c>.</param>
/// <param name="Payload">The hook's payload.</param>
internal sealed record HookParams(
    string Name,
    JsonElement? Payload)
{
    /// <summary>The W3C <c>traceparent</c> of the host's span for this hook; absent when the host traces nothing.</summary>
    [JsonPropertyName("traceparent")]
    public string? TraceParent { get; init; }

    /// <summary>The W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>, when there is one.</summary>
    [JsonPropertyName("tracestate")]
    public string? TraceState { get; init; }
}
