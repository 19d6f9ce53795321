using System.Globalization;

namespace Stockade.Core.Manifest;

/// <summary>Reads durations written as <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c> or a plain number of seconds.</summary>
internal static class Durations
{
    public static readonly TimeSpan Maximum = TimeSpan.FromHours(24);

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var span = text.AsSpan().Trim();
        var unitStart = span.Length;
        while (unitStart > 0 && char.IsAsciiLetter(span[unitStart - 1]))
        {
            unitStart--;
        }

        var unit = span[unitStart..];
        double factor;
        if (unit.IsEmpty || unit is "s" or "sec")
        {
            factor = 1000;
        }
        else if (unit is "ms")
        {
            factor = 1;
        }
        else if (unit is "m" or "min")
        {
            factor = 60_000;
        }
        else if (unit is "h")
        {
            factor = 3_600_000;
        }
        else
        {
            return false;
        }

        if (!double.TryParse(span[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || double.IsNaN(number) || double.IsInfinity(number))
        {
            return false;
        }

        var milliseconds = number * factor;
        if (milliseconds > Maximum.TotalMilliseconds)
        {
            value = TimeSpan.MaxValue;
            return true;
        }

        value = TimeSpan.FromMilliseconds(Math.Round(milliseconds));
        return true;
    }
}
