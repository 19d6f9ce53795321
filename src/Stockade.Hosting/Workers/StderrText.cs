using System.Globalization;
using System.Text;

namespace Stockade.Hosting.Workers;

/// <summary>
/// A worker's stderr line made safe to show: every character a terminal would act on instead of print (C0 and C1
/// controls, DEL, bidi and other format characters, line and paragraph separators, lone surrogates) becomes a visible
/// escape (<c>\x1b</c>, <c>\u202e</c>), in the CLI's own notation, so the same line reads the same everywhere. Done once
/// where the line enters the host: the tail kept for exceptions (<c>WorkerOutput</c>) and the host's log never hold a
/// plugin's raw control text, whatever sink a host application writes them to (a console logger prints messages raw).
/// </summary>
internal static class StderrText
{
    /// <summary>The line, with what a terminal would act on made visible; the same string when there is nothing to escape.</summary>
    public static string Visible(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var clean = true;
        for (var i = 0; i < line.Length && clean; i++)
        {
            clean = !NeedsEscape(line, i, out var pair);
            i += pair ? 1 : 0;
        }

        if (clean)
        {
            return line;
        }

        var sb = new StringBuilder(line.Length + 16);
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (!NeedsEscape(line, i, out var pair))
            {
                sb.Append(c);
                if (pair)
                {
                    sb.Append(line[++i]);
                }

                continue;
            }

            if (pair)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\U{char.ConvertToUtf32(c, line[++i]):x8}");
                continue;
            }

            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < '\u0100' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }

        return sb.ToString();
    }

    /// <summary>Whether the character at <paramref name="i"/> must be escaped; <paramref name="pair"/> when it starts a valid surrogate pair.</summary>
    private static bool NeedsEscape(string text, int i, out bool pair)
    {
        var c = text[i];
        pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
        if (pair)
        {
            // Outside the BMP only the format characters (the tag characters that hide text) act instead of print.
            return Rune.GetUnicodeCategory(new Rune(c, text[i + 1])) == UnicodeCategory.Format;
        }

        return c switch
        {
            < ' ' or '\u007f' => true,
            < '\u007f' => false,
            _ => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate,
        };
    }
}
