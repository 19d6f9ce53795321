namespace Stockade.Core.Permissions;

/// <summary>
/// A file-system scope: an absolute path or an alias (<c>$PLUGIN_DATA</c>, <c>$TEMP</c>, <c>$CONFIG</c>,
/// <c>$PLUGIN_DIR</c> or a host alias), an optional sub-path and an optional final <c>/*</c> or <c>/**</c>.
/// Normalised without touching the disk: <c>//</c> and <c>.</c> collapse, <c>..</c> is applied but may not
/// climb out of the alias or above <c>/</c>.
/// </summary>
public sealed class PathScope : IEquatable<PathScope>
{
    /// <summary>Longest scope text accepted (Linux PATH_MAX).</summary>
    public const int MaxLength = 4096;

    private readonly string[] _segments;

    private PathScope(string? alias, string[] segments, PathGlob glob)
    {
        Alias = alias;
        _segments = segments;
        Glob = glob;
        Path = (alias ?? string.Empty) + (segments.Length == 0 && alias is null ? "/" : string.Concat(segments.Select(s => "/" + s)));
    }

    /// <summary>The alias the scope starts with (e.g. <c>$PLUGIN_DATA</c>), or null for an absolute path.</summary>
    public string? Alias { get; }

    /// <summary>The normalised path without the glob suffix, e.g. <c>$PLUGIN_DATA/cache</c> or <c>/usr/bin/convert</c>.</summary>
    public string Path { get; }

    /// <summary>The glob suffix.</summary>
    public PathGlob Glob { get; }

    /// <summary>True when the scope is an absolute path (no alias left to resolve).</summary>
    public bool IsResolved => Alias is null;

    /// <summary>Parses a scope; never throws on bad input.</summary>
    /// <param name="text">The scope text.</param>
    /// <param name="catalog">Supplies the known aliases; <see cref="PermissionCatalog.Default"/> when null.</param>
    /// <param name="scope">The parsed scope, or null.</param>
    /// <param name="error">Why the text was refused, or null.</param>
    public static bool TryParse(string? text, PermissionCatalog? catalog, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PathScope? scope, out string? error)
    {
        scope = null;
        catalog ??= PermissionCatalog.Default;
        if (string.IsNullOrEmpty(text))
        {
            error = "the path is empty; write an absolute path or an alias such as $PLUGIN_DATA/**";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"the path is {text.Length} characters long; at most {MaxLength} are allowed";
            return false;
        }

        if (PermissionParser.IndexOfControl(text) is var bad and >= 0)
        {
            error = $"the path contains the control character U+{(int)text[bad]:X4} at position {bad + 1}";
            return false;
        }

        string? alias = null;
        string rest;
        if (text[0] == '$')
        {
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            alias = slash < 0 ? text : text[..slash];
            rest = slash < 0 ? string.Empty : text[slash..];
            if (!catalog.HasAlias(alias))
            {
                error = $"unknown alias '{alias}'.{Spelling.DidYouMean(alias, catalog.Aliases)} Known aliases: {string.Join(", ", catalog.Aliases)}";
                return false;
            }
        }
        else if (text[0] == '/')
        {
            rest = text;
        }
        else
        {
            error = $"'{text}' is neither an absolute path nor an alias; start it with '/' or one of {string.Join(", ", catalog.Aliases)}";
            return false;
        }

        return TryNormalise(alias, rest, allowGlob: true, out scope, out error);
    }

    /// <summary>Parses a scope and throws on bad input (for programmer-written literals).</summary>
    /// <exception cref="FormatException">The text is not a valid path scope.</exception>
    public static PathScope Parse(string text, PermissionCatalog? catalog = null) =>
        TryParse(text, catalog, out var scope, out var error) ? scope : throw new FormatException($"Invalid path scope '{text}': {error}.");

    /// <summary>Replaces the alias by its absolute directory.</summary>
    /// <param name="aliasValues">Absolute directory per alias name (with its <c>$</c>).</param>
    /// <returns>The same scope as an absolute path; this instance when already resolved.</returns>
    /// <exception cref="InvalidOperationException">The alias has no value, or its value is not an absolute path.</exception>
    public PathScope Resolve(IReadOnlyDictionary<string, string> aliasValues)
    {
        ArgumentNullException.ThrowIfNull(aliasValues);
        if (Alias is null)
        {
            return this;
        }

        if (!aliasValues.TryGetValue(Alias, out var value))
        {
            throw new InvalidOperationException($"No directory is configured for alias '{Alias}'; set it in the policy context.");
        }

        if (string.IsNullOrEmpty(value) || value[0] != '/' || !TryNormalise(null, value, allowGlob: false, out var root, out _))
        {
            throw new InvalidOperationException($"Alias '{Alias}' is set to '{value}', which is not a usable absolute directory.");
        }

        return new PathScope(null, [.. root._segments, .. _segments], Glob);
    }

    /// <summary>
    /// Whether everything this scope covers includes everything <paramref name="other"/> covers. Scopes with
    /// different aliases are never compared (resolve both first); comparison is by whole path segments, so
    /// <c>/data/**</c> does not contain <c>/database</c>.
    /// </summary>
    public bool Contains(PathScope other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!string.Equals(Alias, other.Alias, StringComparison.Ordinal))
        {
            return false;
        }

        return Glob switch
        {
            PathGlob.None => other.Glob == PathGlob.None && SameSegments(other._segments, _segments.Length) && other._segments.Length == _segments.Length,
            PathGlob.Children => SameSegments(other._segments, _segments.Length)
                && ((other._segments.Length == _segments.Length + 1 && other.Glob == PathGlob.None)
                    || (other._segments.Length == _segments.Length && other.Glob == PathGlob.Children)),
            _ => SameSegments(other._segments, _segments.Length),
        };
    }

    /// <summary>Whether the absolute <paramref name="absolutePath"/> falls inside this (resolved) scope.</summary>
    /// <returns>False for relative paths, paths climbing above <c>/</c>, and unresolved scopes.</returns>
    public bool Matches(string absolutePath)
    {
        if (Alias is not null || string.IsNullOrEmpty(absolutePath) || absolutePath[0] != '/' || absolutePath.Length > MaxLength
            || PermissionParser.IndexOfControl(absolutePath) >= 0)
        {
            return false;
        }

        return TryNormalise(null, absolutePath, allowGlob: false, out var path, out _) && Contains(path);
    }

    /// <inheritdoc />
    public bool Equals(PathScope? other) =>
        other is not null && Glob == other.Glob && string.Equals(Path, other.Path, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PathScope);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Path, Glob);

    /// <summary>The canonical text, e.g. <c>$PLUGIN_DATA/cache/**</c>.</summary>
    public override string ToString() => Glob switch
    {
        PathGlob.None => Path,
        PathGlob.Children => Path == "/" ? "/*" : Path + "/*",
        _ => Path == "/" ? "/**" : Path + "/**",
    };

    private bool SameSegments(string[] other, int count)
    {
        if (other.Length < count)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!string.Equals(_segments[i], other[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryNormalise(string? alias, string rest, bool allowGlob, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PathScope? scope, out string? error)
    {
        scope = null;
        var raw = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var glob = PathGlob.None;
        var count = raw.Length;
        if (allowGlob && count > 0 && raw[^1] is "**" or "*")
        {
            glob = raw[^1] == "**" ? PathGlob.Recursive : PathGlob.Children;
            count--;
        }

        var segments = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var segment = raw[i];
            if (allowGlob && segment.Contains('*', StringComparison.Ordinal))
            {
                error = $"'{segment}' uses '*' inside the path; a glob may only end the path as '/*' or '/**'";
                return false;
            }

            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count == 0)
                {
                    error = alias is null ? "'..' climbs above '/'" : $"'..' climbs out of {alias}";
                    return false;
                }

                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            segments.Add(segment);
        }

        scope = new PathScope(alias, [.. segments], glob);
        error = null;
        return true;
    }
}
