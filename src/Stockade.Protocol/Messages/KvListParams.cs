namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.kv.list</c>.</summary>
/// <param name="Prefix">Only keys starting with this; <c>null</c> for all.</param>
internal sealed record KvListParams(
    string? Prefix);
