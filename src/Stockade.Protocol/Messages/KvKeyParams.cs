namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.kv.get</c> and <c>host.kv.delete</c>.</summary>
/// <param name="Key">The key in the plugin's own store.</param>
internal sealed record KvKeyParams(
    string Key);
