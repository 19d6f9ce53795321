using System.Text;

namespace Stockade.Hosting.Categories;

/// <summary>Names and descriptions read from the store are data: checked against the grammar, and made safe before they are shown.</summary>
internal static class CategoryText
{
    /// <summary>The grammar of a category or action name: lowercase letters, digits and '-', starting with a letter.</summary>
    public static bool IsIdentifier(string text) =>
        text.Length is > 0 and <= 64 && char.IsAsciiLetterLower(text[0]) && text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>
    /// <paramref name="text"/> with control, bidirectional and format characters replaced by <c>?</c> and cut at 80
    /// characters, for a log line or a message (terminal output sanitises again at the CLI's edge).
    /// </summary>
    public static string Safe(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 80));
        foreach (var c in text.Length > 80 ? text[..80] : text)
        {
            builder.Append(char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format ? '?' : c);
        }

        return text.Length > 80 ? builder.Append("...").ToString() : builder.ToString();
    }
}
