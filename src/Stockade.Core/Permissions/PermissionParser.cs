namespace Stockade.Core.Permissions;

/// <summary>The grammar <c>category:action[=scope]</c>, with the error kind kept for diagnostics.</summary>
internal static class PermissionParser
{
    /// <summary>Longest permission text accepted: a maximal scope plus room for category and action.</summary>
    public const int MaxLength = PathScope.MaxLength + 128;

    public static bool IsIdentifier(string text)
    {
        if (text.Length == 0 || !char.IsAsciiLetterLower(text[0]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    public static int IndexOfControl(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static bool TryParse(
        string? text,
        PermissionCatalog catalog,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Permission? permission,
        out PermissionErrorKind kind,
        out string? error)
    {
        permission = null;
        kind = PermissionErrorKind.Syntax;
        if (string.IsNullOrEmpty(text))
        {
            error = "the permission is empty; write category:action[=scope], e.g. file:read=$PLUGIN_DATA/**";
            return false;
        }

        var shown = Shorten(text);
        if (text.Length > MaxLength)
        {
            kind = PermissionErrorKind.Scope;
            error = $"'{shown}' is {text.Length} characters long; a scope may have at most {PathScope.MaxLength}";
            return false;
        }

        if (IndexOfControl(text) is var bad and >= 0)
        {
            error = text[bad] == '\0'
                ? $"'{shown}' contains a NUL character at position {bad + 1}"
                : $"'{shown}' contains the control character U+{(int)text[bad]:X4} at position {bad + 1}";
            return false;
        }

        if (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
        {
            error = $"'{shown}' has leading or trailing whitespace; remove it";
            return false;
        }

        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var head = equals < 0 ? text : text[..equals];
        var scopeText = equals < 0 ? null : text[(equals + 1)..];
        var colon = head.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"'{shown}' has no ':' between category and action; write category:action[=scope], e.g. file:read=$PLUGIN_DATA/**";
            return false;
        }

        var categoryName = head[..colon];
        var action = head[(colon + 1)..];
        if (categoryName.Length == 0 || action.Length == 0)
        {
            error = $"'{shown}' has an empty {(categoryName.Length == 0 ? "category" : "action")}; write category:action[=scope]";
            return false;
        }

        if (head.Any(char.IsWhiteSpace))
        {
            error = $"'{shown}' contains whitespace in its category or action; remove it";
            return false;
        }

        if (!catalog.TryGetCategory(categoryName, out var category))
        {
            kind = PermissionErrorKind.UnknownCategory;
            error = $"unknown permission category '{categoryName}' in '{shown}'.{Spelling.DidYouMean(categoryName, catalog.Categories.Select(c => c.Name))}";
            return false;
        }

        if (!category.HasAction(action))
        {
            kind = PermissionErrorKind.UnknownAction;
            error = $"unknown action '{action}' for category '{categoryName}' in '{shown}'.{Spelling.DidYouMean(action, category.Actions)} Known actions: {string.Join(", ", category.Actions)}";
            return false;
        }

        kind = PermissionErrorKind.Scope;
        if (scopeText is null)
        {
            if (category.ScopeRequired)
            {
                error = $"'{shown}' needs a scope after '='; for example {Example(category)}";
                return false;
            }

            permission = new Permission(category.Name, action, category.ScopeKind, null, null, null, null, null, category);
            error = null;
            return true;
        }

        if (scopeText.Length == 0)
        {
            error = $"'{shown}' has an empty scope after '='; remove the '=' or write a scope, e.g. {Example(category)}";
            return false;
        }

        switch (category.ScopeKind)
        {
            case ScopeKind.Path:
            case ScopeKind.Executable:
                if (!PathScope.TryParse(scopeText, catalog, out var path, out error))
                {
                    error = $"bad scope in '{shown}': {error}";
                    return false;
                }

                if (category.ScopeKind == ScopeKind.Executable && path.Glob != PathGlob.None)
                {
                    error = $"bad scope in '{shown}': {categoryName}:{action} names one executable file, not a glob";
                    return false;
                }

                permission = new Permission(category.Name, action, category.ScopeKind, path.ToString(), path, null, null, null, category);
                break;
            case ScopeKind.Host:
                if (!HostPattern.TryParse(scopeText, out var host, out error))
                {
                    error = $"bad scope in '{shown}': {error}";
                    return false;
                }

                permission = new Permission(category.Name, action, category.ScopeKind, host.ToString(), null, host, null, null, category);
                break;
            case ScopeKind.Environment:
                if (!EnvScope.TryParse(scopeText, out var env, out error))
                {
                    error = $"bad scope in '{shown}': {error}";
                    return false;
                }

                permission = new Permission(category.Name, action, category.ScopeKind, env.ToString(), null, null, env, null, category);
                break;
            default:
                if (!NamePattern.TryParse(scopeText, out var name, out error))
                {
                    error = $"bad scope in '{shown}': {error}";
                    return false;
                }

                permission = new Permission(category.Name, action, category.ScopeKind, name.ToString(), null, null, null, name, category);
                break;
        }

        error = null;
        return true;
    }

    private static string Example(PermissionCategory category) => category.ScopeKind switch
    {
        ScopeKind.Path => $"{category.Name}:{category.Actions[0]}=$PLUGIN_DATA/**",
        ScopeKind.Executable => $"{category.Name}:{category.Actions[0]}=/usr/bin/convert",
        ScopeKind.Host => $"{category.Name}:{category.Actions[0]}=api.example.com:443",
        ScopeKind.Environment => $"{category.Name}:{category.Actions[0]}=LANG",
        _ => $"{category.Name}:{category.Actions[0]}=name.*",
    };

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
