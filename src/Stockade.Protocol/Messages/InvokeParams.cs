using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>invoke</c>.</summary>
/// <param name="Method">The plugin method to call.</param>
/// <param name="Input">Its input, bound to the method's parameter.</param>
internal sealed record InvokeParams(
    string Method,
    JsonElement? Input);
