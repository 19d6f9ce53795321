namespace Stockade.Core.Permissions;

/// <summary>
/// An environment scope: an exact variable name, <c>PREFIX*</c>, or <c>*</c>. A prefix or <c>*</c> never
/// matches a name that <see cref="SecretNames.LooksSecret(string)"/>; such names must be granted exactly.
/// </summary>
public sealed class EnvScope : IEquatable<EnvScope>
{
    private EnvScope(string name, bool isPrefix)
    {
        Name = name;
        IsPrefix = isPrefix;
    }

    /// <summary>The exact name, or the prefix without its <c>*</c> (empty for <c>*</c>).</summary>
    public string Name { get; }

    /// <summary>True for <c>PREFIX*</c> and <c>*</c>.</summary>
    public bool IsPrefix { get; }

    /// <summary>Parses a scope; never throws on bad input.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EnvScope? scope, out string? error)
    {
        scope = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "the variable name is empty; write a name such as LANG or a prefix such as MYAPP_*";
            return false;
        }

        var isPrefix = text[^1] == '*';
        var name = isPrefix ? text[..^1] : text;
        if (!isPrefix && char.IsAsciiDigit(name[0]))
        {
            error = $"'{text}' starts with a digit; variable names start with a letter or '_'";
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                error = c == '*'
                    ? $"'{text}' uses '*' inside the name; only a final '*' (PREFIX*) is allowed"
                    : $"'{text}' contains '{c}'; variable names use ASCII letters, digits and '_'";
                return false;
            }
        }

        scope = new EnvScope(name, isPrefix);
        error = null;
        return true;
    }

    /// <summary>Whether the variable <paramref name="name"/> may be passed under this scope.</summary>
    public bool Matches(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        if (!IsPrefix)
        {
            return string.Equals(Name, name, StringComparison.Ordinal);
        }

        return name.StartsWith(Name, StringComparison.Ordinal) && !SecretNames.LooksSecret(name);
    }

    /// <summary>
    /// Whether the variable <paramref name="name"/> with <paramref name="value"/> may be passed under this
    /// scope: as <see cref="Matches(string)"/>, and a prefix or <c>*</c> also refuses a value that carries
    /// credentials (<see cref="SecretNames.ValueCarriesCredentials"/>), such as a URL with <c>user:pass@</c>.
    /// </summary>
    public bool Matches(string name, string? value) =>
        Matches(name) && (!IsPrefix || !SecretNames.ValueCarriesCredentials(value));

    /// <summary>Whether every name <paramref name="other"/> allows is also allowed by this scope.</summary>
    public bool Contains(EnvScope other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.IsPrefix
            ? IsPrefix && other.Name.StartsWith(Name, StringComparison.Ordinal)
            : Matches(other.Name);
    }

    /// <inheritdoc />
    public bool Equals(EnvScope? other) => other is not null && IsPrefix == other.IsPrefix && Name == other.Name;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as EnvScope);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, IsPrefix);

    /// <summary>The canonical text, e.g. <c>MYAPP_*</c>.</summary>
    public override string ToString() => IsPrefix ? Name + "*" : Name;
}
