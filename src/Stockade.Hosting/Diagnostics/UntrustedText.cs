using Stockade.Hosting.Workers;

namespace Stockade.Hosting.Diagnostics;

/// <summary>
/// What a plugin says about its own work (a log line, an error message) as telemetry may carry it: cut to a bound
/// before anything else is done with it, then with every character a terminal or a log viewer would act on made
/// visible (<see cref="StderrText"/>). It only ever becomes the value of a span event or a status description, never
/// a tag key, a metric tag or a span name, so a plugin can neither grow a backend's cardinality nor forge a field.
/// </summary>
internal static class UntrustedText
{
    /// <summary>The longest text kept from one report (characters, before escaping).</summary>
    public const int MaxLength = 256;

    /// <summary>The text cut to <paramref name="max"/> characters (marked with an ellipsis) and made visible; empty for null.</summary>
    public static string Bounded(string? text, int max = MaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var cut = text.Length > max;
        if (cut)
        {
            var end = max;
            if (char.IsHighSurrogate(text[end - 1]))
            {
                end--; // never split a pair into a lone surrogate
            }

            text = text[..end];
        }

        var visible = StderrText.Visible(text);
        if (visible.Length > max * 2)
        {
            var keep = char.IsHighSurrogate(visible[(max * 2) - 1]) ? (max * 2) - 1 : max * 2;
            visible = visible[..keep]; // escapes may lengthen it; the bound still holds
        }

        return cut ? visible + "…" : visible;
    }
}
