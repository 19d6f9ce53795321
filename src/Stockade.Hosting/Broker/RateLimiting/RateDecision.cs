namespace Stockade.Hosting.Broker.RateLimiting;

/// <summary>The answer of <see cref="BrokerRateLimiter.TryAcquire"/>; a struct so the allowed path allocates nothing.</summary>
internal readonly record struct RateDecision(bool IsAllowed, TimeSpan RetryAfter, RateRule? Rule)
{
    public static RateDecision Allowed => default(RateDecision) with { IsAllowed = true };

    public static RateDecision Refused(RateRule rule, TimeSpan retryAfter) => new(false, retryAfter, rule);
}
