namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// Limits how often each plugin may call a host service method: at most <see cref="Limit"/> calls per
/// <see cref="Period"/>. Calls over the limit are answered with <c>rate_limited</c> and a retry time.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RateLimitAttribute : Attribute
{
    /// <summary>Allows <paramref name="limit"/> calls per <paramref name="period"/> (<c>500ms</c>, <c>1s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>).</summary>
    public RateLimitAttribute(int limit, string period)
    {
        Limit = limit;
        Period = period;
    }

    /// <summary>Calls allowed per period, per plugin.</summary>
    public int Limit { get; }

    /// <summary>The period, for example <c>1s</c>.</summary>
    public string Period { get; }
}
