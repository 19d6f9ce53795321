namespace Stockade.Protocol;

/// <summary>Answer to <c>initialize</c>: what the plugin offers.</summary>
/// <param name="Methods">Names it answers in <c>invoke</c>.</param>
/// <param name="Hooks">Hook names it handles in <c>hook</c>.</param>
/// <param name="SdkVersion">The SDK/protocol version the worker speaks.</param>
internal sealed record InitializeResult(
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Hooks,
    string SdkVersion);
