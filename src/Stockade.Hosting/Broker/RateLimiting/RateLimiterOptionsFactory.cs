using System.Threading.RateLimiting;

namespace Stockade.Hosting.Broker.RateLimiting;

/// <summary>One place that turns "N per period" into limiter options, shared by rules and <c>[RateLimit]</c>.</summary>
internal static class RateLimiterOptionsFactory
{
    // A full bucket refilled once per period: bursts up to the limit, never more than the limit per
    // period, and no queueing (a refused call is answered at once with Retry-After).
    public static TokenBucketRateLimiterOptions TokenBucket(int limit, TimeSpan period) => new()
    {
        TokenLimit = limit,
        TokensPerPeriod = limit,
        ReplenishmentPeriod = period,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
