namespace Stockade.Protocol;

/// <summary>Answer to <c>host.kv.list</c>.</summary>
/// <param name="Keys">The keys, in ordinal order.</param>
internal sealed record KvListResult(
    IReadOnlyList<string> Keys);
