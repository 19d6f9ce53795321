namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.config.get</c>.</summary>
/// <param name="Key">The configuration key.</param>
internal sealed record ConfigGetParams(
    string Key);
