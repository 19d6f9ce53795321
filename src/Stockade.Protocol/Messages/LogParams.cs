namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.log</c>.</summary>
/// <param name="Level"><c>debug</c>, <c>info</c>, <c>warning</c> or <c>error</c>.</param>
/// <param name="Message">The text.</param>
/// <param name="Category">An optional label (the host's logger category <c>Stockade.Plugins.&lt;id&gt;.&lt;category&gt;</c>).</param>
internal sealed record LogParams(
    string Level,
    string Message,
    string? Category = null);
