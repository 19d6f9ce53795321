namespace Stockade.Protocol;

/// <summary>Answer to <c>host.kv.delete</c>.</summary>
/// <param name="Deleted">Whether the key existed.</param>
internal sealed record KvDeleteResult(
    bool Deleted);
