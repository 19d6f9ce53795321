namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.kv.set</c>.</summary>
/// <param name="Key">The key in the plugin's own store.</param>
/// <param name="Value">The value.</param>
internal sealed record KvSetParams(
    string Key,
    string Value);
