namespace Stockade.Core.Permissions;

/// <summary>
/// One permission, <c>category:action[=scope]</c> (DESIGN §6). Immutable and equatable on its canonical text.
/// A permission without a scope covers every scope of its category and action.
/// </summary>
public sealed class Permission : IEquatable<Permission>
{
    private readonly string _text;

    internal Permission(string category, string action, ScopeKind scopeKind, string? scope, PathScope? path, HostPattern? host, EnvScope? env, NamePattern? name, PermissionCategory? definition = null)
    {
        Definition = definition;
        Category = category;
        Action = action;
        ScopeKind = scopeKind;
        Scope = scope;
        PathScope = path;
        HostPattern = host;
        EnvScope = env;
        NameScope = name;
        _text = scope is null ? $"{category}:{action}" : $"{category}:{action}={scope}";
    }

    /// <summary>The category, e.g. <c>file</c>.</summary>
    public string Category { get; }

    /// <summary>The action, e.g. <c>read</c>.</summary>
    public string Action { get; }

    /// <summary>The canonical scope text, or null when the permission covers every scope.</summary>
    public string? Scope { get; }

    /// <summary>How <see cref="Scope"/> is interpreted.</summary>
    public ScopeKind ScopeKind { get; }

    /// <summary>The parsed scope for <see cref="ScopeKind.Path"/> and <see cref="ScopeKind.Executable"/>.</summary>
    public PathScope? PathScope { get; }

    /// <summary>The parsed scope for <see cref="ScopeKind.Host"/>.</summary>
    public HostPattern? HostPattern { get; }

    /// <summary>The parsed scope for <see cref="ScopeKind.Environment"/>.</summary>
    public EnvScope? EnvScope { get; }

    internal NamePattern? NameScope { get; }

    /// <summary>
    /// The category this permission was parsed against: its descriptions and the application's implications
    /// (<see cref="PermissionCategory.Implications"/>) travel with the permission, so every check honours them.
    /// </summary>
    public PermissionCategory? Definition { get; }

    /// <summary>The other actions of this category that holding this permission gives, as the application declared (empty when none).</summary>
    public IReadOnlyList<string> ImpliedActions => Definition?.ImpliedBy(Action) ?? [];

    /// <summary>Parses <paramref name="text"/> against the built-in catalog; never throws on bad input.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Permission? permission, out string? error) =>
        TryParse(text, PermissionCatalog.Default, out permission, out error);

    /// <summary>Parses <paramref name="text"/> against <paramref name="catalog"/>; never throws on bad input.</summary>
    /// <param name="text">The permission, e.g. <c>file:read=$PLUGIN_DATA/**</c>.</param>
    /// <param name="catalog">Known categories and aliases (built-ins plus the host's).</param>
    /// <param name="permission">The parsed permission, or null.</param>
    /// <param name="error">Why the text was refused (with a "did you mean" where one fits), or null.</param>
    public static bool TryParse(string? text, PermissionCatalog catalog, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Permission? permission, out string? error)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return PermissionParser.TryParse(text, catalog, out permission, out _, out error);
    }

    /// <summary>Parses a permission and throws on bad input (for programmer-written literals).</summary>
    /// <exception cref="FormatException">The text is not a valid permission.</exception>
    public static Permission Parse(string text, PermissionCatalog? catalog = null) =>
        TryParse(text, catalog ?? PermissionCatalog.Default, out var permission, out var error)
            ? permission
            : throw new FormatException($"Invalid permission: {error}.");

    /// <summary>
    /// Whether holding this permission also allows <paramref name="other"/>: same category; the same action, or
    /// <c>write</c> where <c>read</c> is asked in a category that has both, or an action the application declared this
    /// one to imply (<see cref="ImpliedActions"/>); and a scope that contains the other's.
    /// <c>delete</c> does not imply <c>write</c>. Path scopes with different aliases are not compared; resolve first.
    /// </summary>
    public bool Implies(Permission other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!string.Equals(Category, other.Category, StringComparison.Ordinal) || !ActionImplies(other.Action))
        {
            return false;
        }

        return ScopeImplies(other);
    }

    /// <inheritdoc />
    public bool Equals(Permission? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Permission);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    /// <summary>The canonical text <c>category:action[=scope]</c>.</summary>
    public override string ToString() => _text;

    /// <summary>The same permission with its path scope resolved to an absolute path.</summary>
    internal Permission WithResolvedPath(IReadOnlyDictionary<string, string> aliasValues)
    {
        if (PathScope is null || PathScope.IsResolved)
        {
            return this;
        }

        var resolved = PathScope.Resolve(aliasValues);
        return new Permission(Category, Action, ScopeKind, resolved.ToString(), resolved, null, null, null, Definition);
    }

    /// <summary>
    /// Whether holding this permission would give some of <paramref name="forbidden"/>: same category, this action gives
    /// the forbidden one (itself, write ⇒ read, or the application's implications), and the scopes overlap (either
    /// contains the other). Forbidding <c>write</c> does not touch <c>read</c>; forbidding <c>read=/etc/**</c> does touch
    /// <c>read=/**</c>, which cannot be granted without it.
    /// </summary>
    internal bool Overlaps(Permission forbidden) =>
        string.Equals(Category, forbidden.Category, StringComparison.Ordinal)
        && ActionImplies(forbidden.Action)
        && (ScopeImplies(forbidden) || forbidden.ScopeImplies(this));

    internal bool ActionImplies(string action) =>
        string.Equals(Action, action, StringComparison.Ordinal)
        || (Action == "write" && action == "read")
        || (Definition is { } definition && definition.ImpliedBy(Action).Contains(action, StringComparer.Ordinal));

    internal bool ScopeImplies(Permission other)
    {
        if (Scope is null)
        {
            return true;
        }

        if (other.Scope is null)
        {
            return false;
        }

        return ScopeKind switch
        {
            ScopeKind.Path or ScopeKind.Executable => PathScope!.Contains(other.PathScope!),
            ScopeKind.Host => HostPattern!.Contains(other.HostPattern!),
            ScopeKind.Environment => EnvScope!.Contains(other.EnvScope!),
            _ => NameScope!.Contains(other.NameScope!),
        };
    }
}
