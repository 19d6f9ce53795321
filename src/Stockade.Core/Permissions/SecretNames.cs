namespace Stockade.Core.Permissions;

/// <summary>
/// Recognises environment variables that look like secrets. Such a variable is only passed to a plugin that
/// was granted it by exact name, never through a <c>PREFIX*</c> or <c>*</c> grant.
/// </summary>
/// <remarks>
/// <para>
/// A name is split into words at <c>_</c>, <c>-</c>, <c>.</c>, lower-to-upper case changes and letter/digit
/// changes (<c>MYSQL_PWD</c> → MYSQL, PWD; <c>githubToken</c> → github, Token; <c>PASS2</c> → PASS, 2), so a
/// short marker matches only as a word: <c>PAT</c> marks <c>GITHUB_PAT</c> but not <c>PATH</c>, <c>KEY</c>
/// marks <c>API_KEY</c> and <c>APIKEY</c> but not <c>KEYBOARD_LAYOUT</c>.
/// </para>
/// <para>
/// Conservative where a name means two things: <c>PWD</c> is the shell's current folder and also MySQL's
/// password variable (<c>MYSQL_PWD</c>), so <c>PWD</c> and <c>OLDPWD</c> count as secret and pass only when
/// granted by exact name. A false positive costs one exact grant; a false negative leaks a credential.
/// </para>
/// <para>
/// The value counts too: a URL that carries user information (<c>postgres://user:pass@db/x</c>,
/// <c>https://TOKEN@host</c>) or a secret-looking query parameter (<c>?password=</c>, <c>&amp;sig=</c>) marks the
/// variable whatever its name (<c>DATABASE_URL</c>, <c>REDIS_URI</c>, <c>BROKER</c>, ...).
/// </para>
/// </remarks>
public static class SecretNames
{
    /// <summary>Markers found anywhere in the name, ignoring case and word boundaries (they have no innocent reading).</summary>
    public static readonly IReadOnlyList<string> Anywhere =
        ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY", "ACCESSKEY", "AUTHORIZATION", "WEBHOOK", "BEARER"];

    /// <summary>Markers that mark a word that equals them or ends with them (<c>DBPASS</c>, <c>OAUTH</c>, <c>SSHKEY</c>), plural allowed.</summary>
    public static readonly IReadOnlyList<string> WordSuffixes =
        ["KEY", "PASS", "PWD", "PW", "DSN", "AUTH", "CERT", "COOKIE", "SESSION", "SALT", "JWT", "CREDS"];

    /// <summary>Markers that mark a word only when it is exactly them (plural allowed): short words with innocent longer relatives.</summary>
    public static readonly IReadOnlyList<string> ExactWords =
        ["PAT", "PIN", "SID", "SSH", "GPG", "PGP", "PEM", "PFX", "P12", "OTP", "TOTP", "MFA", "SIGNING", "SIGNATURE", "SIG", "HMAC", "CERTIFICATE", "KEYSTORE", "KEYRING", "KEYCHAIN", "NETRC", "HTPASSWD", "CONNSTR"];

    /// <summary>Adjacent word pairs that mark a name (<c>CONNECTION_STRING</c> usually embeds a password).</summary>
    public static readonly IReadOnlyList<(string First, string Second)> WordPairs =
        [("CONNECTION", "STRING"), ("CONN", "STRING"), ("CONN", "STR"), ("ACCOUNT", "KEY"), ("ACCESS", "KEY")];

    /// <summary>The markers DESIGN §6 names (every one is covered by the lists above); kept for callers that show them.</summary>
    public static readonly IReadOnlyList<string> Markers =
        ["PASSWORD", "SECRET", "KEY", "TOKEN", "AUTH", "CREDENTIAL", "PRIVATE", "CERT", "SSH"];

    /// <summary>Whether the variable <paramref name="name"/> looks like a secret by its name alone.</summary>
    public static bool LooksSecret(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (var marker in Anywhere)
        {
            if (name.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        var words = Words(name);
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            foreach (var marker in WordSuffixes)
            {
                if (EndsWithMarker(word, marker))
                {
                    return true;
                }
            }

            foreach (var marker in ExactWords)
            {
                if (IsMarker(word, marker))
                {
                    return true;
                }
            }

            if (i + 1 < words.Count)
            {
                foreach (var (first, second) in WordPairs)
                {
                    if (word.Equals(first, StringComparison.OrdinalIgnoreCase) && IsMarker(words[i + 1], second))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>Whether the variable looks like a secret by its name or carries credentials in its value.</summary>
    public static bool LooksSecret(string name, string? value) => LooksSecret(name) || ValueCarriesCredentials(value);

    /// <summary>
    /// Whether <paramref name="value"/> holds a URL with user information (<c>scheme://user:pass@host</c>,
    /// <c>scheme://token@host</c>) or a query parameter whose name looks secret (<c>?access_token=</c>).
    /// </summary>
    public static bool ValueCarriesCredentials(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var span = value.AsSpan();
        for (var at = span.IndexOf("://", StringComparison.Ordinal); at >= 0; at = NextScheme(span, at))
        {
            var authority = span[(at + 3)..];
            var end = authority.IndexOfAny("/?#");
            if (end >= 0)
            {
                authority = authority[..end];
            }

            // A space ends a URL inside a longer value (several URLs, a command line).
            var space = authority.IndexOfAny(" \t,;");
            if (space >= 0)
            {
                authority = authority[..space];
            }

            if (authority.Contains('@'))
            {
                return true;
            }
        }

        var query = span.IndexOf('?');
        while (query >= 0 && query < span.Length - 1)
        {
            var rest = span[(query + 1)..];
            var equals = rest.IndexOf('=');
            if (equals <= 0)
            {
                break;
            }

            var parameter = rest[..equals];
            var start = parameter.LastIndexOfAny("&?;");
            if (start >= 0)
            {
                parameter = parameter[(start + 1)..];
            }

            if (parameter.Length > 0 && LooksSecret(parameter.ToString()))
            {
                return true;
            }

            var next = rest[equals..].IndexOfAny("&;");
            query = next < 0 ? -1 : query + 1 + equals + next;
        }

        return false;
    }

    private static int NextScheme(ReadOnlySpan<char> span, int at)
    {
        var next = span[(at + 3)..].IndexOf("://", StringComparison.Ordinal);
        return next < 0 ? -1 : at + 3 + next;
    }

    private static bool IsMarker(string word, string marker) =>
        word.Equals(marker, StringComparison.OrdinalIgnoreCase)
        || (word.Length == marker.Length + 1 && word.StartsWith(marker, StringComparison.OrdinalIgnoreCase) && word[^1] is 'S' or 's');

    private static bool EndsWithMarker(string word, string marker)
    {
        var w = word.Length > marker.Length && word[^1] is 'S' or 's' && !marker.EndsWith('S') ? word[..^1] : word;
        return w.EndsWith(marker, StringComparison.OrdinalIgnoreCase) || word.EndsWith(marker, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The words of a variable name (see the remarks of <see cref="SecretNames"/>).</summary>
    internal static List<string> Words(string name)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= name.Length; i++)
        {
            var c = i < name.Length ? name[i] : '_';
            var separator = !char.IsAsciiLetterOrDigit(c);
            var boundary = !separator && start >= 0 && i > start
                && ((char.IsAsciiLetterLower(name[i - 1]) && char.IsAsciiLetterUpper(c))
                    || (char.IsAsciiDigit(name[i - 1]) != char.IsAsciiDigit(c)));
            if ((separator || boundary) && start >= 0)
            {
                words.Add(name[start..i]);
                start = -1;
            }

            if (!separator && start < 0)
            {
                start = i;
            }
        }

        return words;
    }
}
