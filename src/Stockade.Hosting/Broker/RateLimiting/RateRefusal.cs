namespace Stockade.Hosting.Broker.RateLimiting;

/// <summary>What <see cref="BrokerRateLimiter"/> reports to its refusal callback (e.g. to count a watchdog violation).</summary>
internal sealed record RateRefusal(string PluginId, string Permission, RateRule Rule, TimeSpan RetryAfter);
