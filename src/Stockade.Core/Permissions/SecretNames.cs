namespace Stockade.Core.Permissions;

/// <summary>
/// Recognises environment variable names that look like secrets. Such a name is only passed to a plugin that
/// was granted it by exact name, never through a <c>PREFIX*</c> or <c>*</c> grant.
/// </summary>
public static class SecretNames
{
    /// <summary>The case-insensitive substrings that mark a name as secret-looking.</summary>
    public static readonly IReadOnlyList<string> Markers =
        ["PASSWORD", "SECRET", "KEY", "TOKEN", "AUTH", "CREDENTIAL", "PRIVATE", "CERT", "SSH"];

    /// <summary>Whether <paramref name="name"/> contains any of <see cref="Markers"/>, ignoring case.</summary>
    public static bool LooksSecret(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (var marker in Markers)
        {
            if (name.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
