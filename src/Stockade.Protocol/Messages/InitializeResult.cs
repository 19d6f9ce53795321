namespace Stockade.Protocol;

/// <summary>Answer to <c>initialize</c>: what the plugin offers.</summary>
/// <param name="Methods">Names it answers in <c>invoke</c>.</param>
/// <param name="Hooks">Hook names it handles in <c>hook</c>.</param>
/// <param name="SdkVersion">The SDK/protocol version the worker speaks.</param>
internal sealed record InitializeResult(
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Hooks,
    string SdkVersion)
{
    /// <summary>
    /// The typed contracts the plugin implements, name to version (<c>{"eco.weather": 2}</c>); absent or empty when it
    /// implements none. The host checks a typed call's contract against it before sending the call (docs/protocol.md,
    /// "Contracts"). Not read by the serializer: the host reads it by hand, as the plugin's word, so a malformed entry is
    /// dropped rather than failing the start (Stockade.Hosting's ReportedContracts); the worker writes it by hand too.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, int>? Contracts { get; init; }
}
