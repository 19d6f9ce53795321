using Stockade.Hosting.Broker.Services;

namespace StockadeHost;

/// <summary>What <see cref="ClockService.Now"/> answers.</summary>
public sealed record ClockReading(DateTimeOffset Utc, string TimeZone);

/// <summary>
/// A service of this application that plugins may call (<c>context.Services.CallAsync("clock", "now")</c>).
/// Each method plugins may call names the permission it needs; the broker checks that the calling plugin declared
/// and was granted it, rate-limits and audits the call before the method runs, so the method holds no checks.
/// Registering the service makes <c>clock</c> a permission category of this application: its plugins declare
/// <c>clock:read</c> in plugin.yaml.
/// </summary>
public sealed class ClockService(TimeProvider time)
{
    /// <summary>The current time.</summary>
    [RequiresPermission("clock:read")]
    [RateLimit(100, "1s")]
    public ClockReading Now() => new(time.GetUtcNow(), time.LocalTimeZone.Id);
}
