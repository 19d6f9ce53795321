using System.Text.RegularExpressions;

namespace Stockade.Core.Audit;

/// <summary>
/// Removes values that look like secrets before an audit record is hashed and written, so that secrets
/// never reach the log. Conservative on purpose: a false positive costs a little information, a false
/// negative leaks a credential into an append-only file.
/// </summary>
public static partial class Redactor
{
    /// <summary>What replaces a redacted value or the secret part of one.</summary>
    public const string Placeholder = "[redacted]";

    private static readonly System.Buffers.SearchValues<char> PatternTriggers = System.Buffers.SearchValues.Create("-=:@ \t\r\n");

    /// <summary>True when a details key names something secret (password, secret, token, key, authorization...).</summary>
    /// <param name="key">A details key.</param>
    public static bool IsSecretKey(string key) => key is not null && SecretKeyPattern().IsMatch(key);

    /// <summary>
    /// Returns <paramref name="value"/> with secret-looking parts replaced by <see cref="Placeholder"/>:
    /// PEM private keys, <c>Bearer</c>/<c>Basic</c> credentials, <c>password=...</c>-style pairs and
    /// user-info in URLs.
    /// </summary>
    /// <param name="value">Any text bound for the audit log.</param>
    public static string RedactValue(string value)
    {
        // Every pattern below needs one of these characters; most values (ids, numbers, paths) have none.
        if (string.IsNullOrEmpty(value) || value.AsSpan().IndexOfAny(PatternTriggers) < 0)
        {
            return value;
        }

        var result = PrivateKeyPattern().Replace(value, Placeholder);
        result = AuthSchemePattern().Replace(result, m => m.Groups[1].Value + Placeholder);
        result = SecretPairPattern().Replace(result, m => m.Groups[1].Value + Placeholder);
        result = UrlUserInfoPattern().Replace(result, m => m.Groups[1].Value + Placeholder + "@");
        return result;
    }

    /// <summary>
    /// Returns a redacted copy of <paramref name="details"/>: every value under a secret-looking key becomes
    /// <see cref="Placeholder"/>; every other value goes through <see cref="RedactValue"/>.
    /// </summary>
    /// <param name="details">Details as submitted; null is treated as empty.</param>
    public static IReadOnlyDictionary<string, string> Redact(IReadOnlyDictionary<string, string>? details)
    {
        if (details is null || details.Count == 0)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var copy = new Dictionary<string, string>(details.Count, StringComparer.Ordinal);
        foreach (var (key, value) in details)
        {
            copy[key] = IsSecretKey(key) ? Placeholder : RedactValue(value ?? string.Empty);
        }

        return copy;
    }

    [GeneratedRegex(@"pass(word|wd|phrase)?|secret|token|key|authori[sz]ation|credential|cookie|session|private", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretKeyPattern();

    [GeneratedRegex(@"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKeyPattern();

    [GeneratedRegex(@"\b((?:Bearer|Basic|Token)\s+)[A-Za-z0-9\-._~+/=]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthSchemePattern();

    [GeneratedRegex(@"((?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret|authorization)[""']?\s*[=:]\s*[""']?)[^\s&""',;]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretPairPattern();

    [GeneratedRegex(@"(\b[a-z][a-z0-9+.\-]*://)[^/\s@]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlUserInfoPattern();
}
