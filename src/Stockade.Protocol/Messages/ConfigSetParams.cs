using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.config.set</c>.</summary>
/// <param name="Key">The configuration key.</param>
/// <param name="Value">The new value.</param>
internal sealed record ConfigSetParams(
    string Key,
    JsonElement Value);
