using System.Globalization;
using System.Text;

namespace Stockade.Cli.Rendering;

/// <summary>
/// The one sanitiser for text the CLI did not write itself (plugin messages, manifest fields, worker
/// stderr, audit records): every character a terminal would act on instead of print is shown as an
/// escape a person can read, never dropped, so the operator sees that something was there.
/// </summary>
/// <remarks>
/// Made visible: C0 controls (ESC, CR, BEL, BS, ...), DEL, C1 controls (8-bit CSI U+009B, OSC
/// U+009D, ...), format characters (bidi embeddings, overrides and isolates U+202A–202E and
/// U+2066–2069, LRM/RLM, zero-width characters U+200B–200F, U+2060–2064, U+FEFF, soft hyphen),
/// the Unicode line and paragraph separators and lone surrogates. A newline is shown as <c>\n</c>
/// in a single-line field (so text cannot start a line of its own, such as a fake advice line) and
/// kept in a block. Valid surrogate pairs and every printable character pass unchanged.
/// </remarks>
internal static class TerminalText
{
    /// <summary>Longest single-line field shown; the rest is cut and counted.</summary>
    public const int MaxLineLength = 4000;

    /// <summary>A single-line field: newlines too are made visible. Null becomes the empty string.</summary>
    public static string Line(string? text, int maxLength = MaxLineLength) => Sanitise(text, keepNewlines: false, maxLength);

    /// <summary>Several lines (a stack trace, a debug dump): newlines are kept, everything else as <see cref="Line"/>.</summary>
    public static string Block(string? text) => Sanitise(text, keepNewlines: true, int.MaxValue);

    /// <summary><see cref="Line"/>, then escaped for Spectre.Console markup.</summary>
    public static string Markup(string? text, int maxLength = MaxLineLength) => Spectre.Console.Markup.Escape(Line(text, maxLength));

    /// <summary>True when <paramref name="c"/> is shown as an escape (a newline counts; blocks keep it).</summary>
    public static bool NeedsEscape(char c) => c switch
    {
        < ' ' or '\u007f' => true,
        < '\u007f' => false,
        _ => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate,
    };

    private static bool IsClean(string text, bool keepNewlines)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (Rune.GetUnicodeCategory(new Rune(c, text[i + 1])) == UnicodeCategory.Format)
                {
                    return false;
                }

                i++;
                continue;
            }

            if (NeedsEscape(c) && !(keepNewlines && c == '\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Sanitise(string? text, bool keepNewlines, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (IsClean(text, keepNewlines) && text.Length <= maxLength)
        {
            return text;
        }

        var sb = new StringBuilder(Math.Min(text.Length, maxLength) + 16);
        var i = 0;
        for (; i < text.Length && sb.Length < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // A valid pair is a printable character outside the BMP unless it is a format character
                // (the tag characters U+E0001–E007F, used to hide text).
                var rune = new Rune(c, text[i + 1]);
                if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}");
                }
                else
                {
                    sb.Append(c).Append(text[i + 1]);
                }

                i++;
                continue;
            }

            if (!NeedsEscape(c) || (keepNewlines && c == '\n'))
            {
                sb.Append(c);
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

        if (i < text.Length)
        {
            sb.Append(CultureInfo.InvariantCulture, $"… ({text.Length - i} more characters)");
        }

        return sb.ToString();
    }
}
