using System.Globalization;

namespace Stockade.Hosting.Broker.RateLimiting;

/// <summary>Parses the short period spellings used by manifests and <c>[RateLimit]</c>: <c>500ms</c>, <c>1s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>.</summary>
internal static class RatePeriod
{
    public static bool TryParse(string? text, out TimeSpan period)
    {
        period = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var unitStart = span.IndexOfAnyExceptInRange('0', '9');
        if (unitStart <= 0 || !long.TryParse(span[..unitStart], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return false;
        }

        var perUnit = span[unitStart..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        if (perUnit == TimeSpan.Zero || amount > TimeSpan.MaxValue.Ticks / perUnit.Ticks)
        {
            return false;
        }

        period = TimeSpan.FromTicks(perUnit.Ticks * amount);
        return true;
    }
}
