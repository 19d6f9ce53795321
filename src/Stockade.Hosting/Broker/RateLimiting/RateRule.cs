namespace Stockade.Hosting.Broker.RateLimiting;

/// <summary>
/// At most <see cref="Limit"/> brokered calls per <see cref="Period"/> for the permissions matching
/// <see cref="PermissionPattern"/>, counted per plugin.
/// </summary>
/// <param name="PermissionPattern">
/// <c>*</c> (every call), <c>category:*</c> (e.g. <c>database:*</c>), <c>category:action</c>
/// (e.g. <c>network:request</c>, any scope), or a full permission with scope to match it exactly.
/// </param>
/// <param name="Limit">Calls allowed per period; positive.</param>
/// <param name="Period">The window; positive.</param>
public sealed record RateRule(string PermissionPattern, int Limit, TimeSpan Period)
{
    /// <summary>Returns what is wrong with this rule (for a diagnostic), or null when it is usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(PermissionPattern))
        {
            return "the permission pattern is empty; use '*', 'category:*' or 'category:action'";
        }

        if (PermissionPattern != "*" && (!PermissionPattern.Contains(':', StringComparison.Ordinal) || PermissionPattern.StartsWith(':')))
        {
            return $"'{PermissionPattern}' is not a permission pattern; use '*', 'category:*' or 'category:action'";
        }

        if (Limit <= 0)
        {
            return $"the limit for '{PermissionPattern}' must be positive (was {Limit})";
        }

        if (Period <= TimeSpan.Zero)
        {
            return $"the period for '{PermissionPattern}' must be positive (was {Period})";
        }

        return null;
    }

    /// <summary>Whether <paramref name="permission"/> (<c>category:action[=scope]</c>) is counted by this rule.</summary>
    public bool Matches(string permission)
    {
        ArgumentNullException.ThrowIfNull(permission);
        var pattern = PermissionPattern.AsSpan();
        if (pattern is "*")
        {
            return true;
        }

        if (pattern.Contains('='))
        {
            return pattern.SequenceEqual(permission);
        }

        var p = permission.AsSpan();
        var eq = p.IndexOf('=');
        var categoryAction = eq < 0 ? p : p[..eq];
        if (pattern.EndsWith(":*"))
        {
            var colon = categoryAction.IndexOf(':');
            return colon >= 0 && categoryAction[..colon].SequenceEqual(pattern[..^2]);
        }

        return categoryAction.SequenceEqual(pattern);
    }
}
