namespace Stockade.Core.Manifest;

/// <summary>At most <see cref="Limit"/> brokered calls matching <see cref="Permission"/> per <see cref="Period"/>.</summary>
/// <param name="Permission">
/// <c>category:action</c>, <c>category:*</c> or <c>*</c>; the pseudo-category <c>host</c> stands for calls to
/// host services (e.g. <c>host:*</c>).
/// </param>
/// <param name="Limit">Calls allowed per period (at least 1).</param>
/// <param name="Period">The window.</param>
public sealed record RateLimitRule(string Permission, int Limit, TimeSpan Period);
