namespace Stockade.Plugin;

/// <summary>The host refused because the plugin made too many requests.</summary>
public sealed class RateLimitedException : StockadeException
{
    /// <summary>Creates the exception; <paramref name="retryAfter"/> says when to try again, if known.</summary>
    public RateLimitedException(string message, TimeSpan? retryAfter)
        : base("rate_limited", message) => RetryAfter = retryAfter;

    /// <summary>Creates the exception with no retry hint.</summary>
    public RateLimitedException()
        : this("rate limited", (TimeSpan?)null)
    {
    }

    /// <summary>Creates the exception with a message and no retry hint.</summary>
    public RateLimitedException(string message)
        : this(message, (TimeSpan?)null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public RateLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>How long to wait before retrying, or <see langword="null"/> when the host did not say.</summary>
    public TimeSpan? RetryAfter { get; }
}
