namespace Stockade.Core.Permissions;

/// <summary>
/// A name scope for hooks, config keys, database namespaces and host-defined categories: an exact name, a
/// prefix ending in <c>*</c> (e.g. <c>clip.*</c>), or <c>*</c>.
/// </summary>
internal sealed class NamePattern : IEquatable<NamePattern>
{
    private NamePattern(string name, bool isPrefix)
    {
        Name = name;
        IsPrefix = isPrefix;
    }

    public string Name { get; }

    public bool IsPrefix { get; }

    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NamePattern? pattern, out string? error)
    {
        pattern = null;
        var isPrefix = text[^1] == '*';
        var name = isPrefix ? text[..^1] : text;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or '/'))
            {
                error = c == '*'
                    ? $"'{text}' uses '*' inside the name; only a final '*' is allowed, as in clip.*"
                    : $"'{text}' contains '{c}'; names use ASCII letters, digits, '.', '_', '-' and '/'";
                return false;
            }
        }

        pattern = new NamePattern(name, isPrefix);
        error = null;
        return true;
    }

    public bool Matches(string name) =>
        IsPrefix ? name.StartsWith(Name, StringComparison.Ordinal) : string.Equals(Name, name, StringComparison.Ordinal);

    public bool Contains(NamePattern other) =>
        other.IsPrefix ? IsPrefix && other.Name.StartsWith(Name, StringComparison.Ordinal) : Matches(other.Name);

    public bool Equals(NamePattern? other) => other is not null && IsPrefix == other.IsPrefix && Name == other.Name;

    public override bool Equals(object? obj) => Equals(obj as NamePattern);

    public override int GetHashCode() => HashCode.Combine(Name, IsPrefix);

    public override string ToString() => IsPrefix ? Name + "*" : Name;
}
