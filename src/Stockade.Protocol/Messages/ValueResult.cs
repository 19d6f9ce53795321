using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Answer to <c>host.config.get</c>.</summary>
/// <param name="Value">The value, or <c>null</c> when the key is not set.</param>
internal sealed record ValueResult(
    JsonElement? Value);
