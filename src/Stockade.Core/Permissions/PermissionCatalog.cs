using System.Collections.Frozen;

namespace Stockade.Core.Permissions;

/// <summary>
/// The permission categories and path aliases a parser accepts: the built-ins of DESIGN §6 plus any the host
/// registers (for example <c>clipboard:read</c> or an alias <c>$SHARED</c>). Immutable; the <c>With*</c>
/// methods return a new catalog.
/// </summary>
public sealed class PermissionCatalog
{
    /// <summary>The built-in path aliases.</summary>
    public static readonly IReadOnlyList<string> BuiltInAliases = ["$PLUGIN_DATA", "$TEMP", "$CONFIG", "$PLUGIN_DIR"];

    private readonly FrozenDictionary<string, PermissionCategory> _categories;

    private PermissionCatalog(IEnumerable<PermissionCategory> categories, IEnumerable<string> aliases)
    {
        _categories = categories.ToFrozenDictionary(c => c.Name, StringComparer.Ordinal);
        Aliases = aliases.ToArray();
    }

    /// <summary>The built-in categories only: file, network, subprocess, env, hook, config, database.</summary>
    public static PermissionCatalog Default { get; } = new(
        [
            new PermissionCategory("file", ["read", "write", "delete"], ScopeKind.Path, scopeRequired: true, PermissionEnforcement.Kernel,
                summary: "files: Landlock rules fixed when the worker starts; the plugin uses plain System.IO"),
            new PermissionCategory("network", ["request"], ScopeKind.Host, scopeRequired: true, PermissionEnforcement.Broker,
                summary: "network: brokered HTTP only, checked on the URL and the resolved address; no IP sockets in the worker"),
            new PermissionCategory("subprocess", ["execute"], ScopeKind.Executable, scopeRequired: true, PermissionEnforcement.Kernel,
                summary: "subprocess: Landlock EXECUTE on the granted file and seccomp, fixed when the worker starts"),
            // Only granted variables are passed at start; a grant made at run time takes effect at the next start (behaviour kept).
            new PermissionCategory("env", ["read"], ScopeKind.Environment, scopeRequired: true, PermissionEnforcement.WorkerStart, grantableAtRunTime: true,
                summary: "env: only granted variables exist in the worker"),
            new PermissionCategory("hook", ["register"], summary: "hook: the broker delivers only granted hook events"),
            new PermissionCategory("config", ["read", "write"], summary: "config: brokered, per key"),
            new PermissionCategory("database", ["read", "write"], summary: "database: the brokered per-plugin key-value store, per namespace"),
        ],
        BuiltInAliases);

    /// <summary>Every category, built-in and host-defined.</summary>
    public IReadOnlyCollection<PermissionCategory> Categories => _categories.Values;

    /// <summary>Every path alias (with its leading <c>$</c>), built-in and host-defined.</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>Returns a catalog that also knows <paramref name="category"/>.</summary>
    /// <exception cref="ArgumentException">The category name is already registered.</exception>
    public PermissionCatalog WithCategory(PermissionCategory category)
    {
        ArgumentNullException.ThrowIfNull(category);
        if (_categories.ContainsKey(category.Name))
        {
            throw new ArgumentException($"Permission category '{category.Name}' is already registered.", nameof(category));
        }

        return new PermissionCatalog(_categories.Values.Append(category), Aliases);
    }

    /// <summary>
    /// Returns a catalog where <paramref name="category"/> replaces the category of the same name, or is added
    /// when there is none (a host service adding an action to a category it already declared).
    /// </summary>
    /// <exception cref="ArgumentException">The name is a built-in category's (their grammar and enforcement are fixed).</exception>
    public PermissionCatalog WithCategoryReplaced(PermissionCategory category)
    {
        ArgumentNullException.ThrowIfNull(category);
        if (IsBuiltIn(category.Name))
        {
            throw new ArgumentException($"Permission category '{category.Name}' is built in and cannot be redefined.", nameof(category));
        }

        return new PermissionCatalog(_categories.Values.Where(c => !string.Equals(c.Name, category.Name, StringComparison.Ordinal)).Append(category), Aliases);
    }

    /// <summary>Returns a catalog that also accepts the path alias <paramref name="alias"/> (e.g. <c>$SHARED</c>).</summary>
    /// <exception cref="ArgumentException">The alias is malformed or already registered.</exception>
    public PermissionCatalog WithAlias(string alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        if (alias.Length < 2 || alias[0] != '$' || alias.AsSpan(1).ContainsAnyExcept(AliasChars))
        {
            throw new ArgumentException($"Alias '{alias}' must be '$' followed by upper-case letters, digits or '_'.", nameof(alias));
        }

        if (Aliases.Contains(alias, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Alias '{alias}' is already registered.", nameof(alias));
        }

        return new PermissionCatalog(_categories.Values, Aliases.Append(alias));
    }

    /// <summary>
    /// This catalog where a scope may be left out in every category: for a policy's allowed and forbidden lists, where
    /// <c>subprocess:execute</c> alone means "any program" (a manifest still has to name one).
    /// </summary>
    internal PermissionCatalog WithoutRequiredScopes() => new(
        _categories.Values.Select(c => new PermissionCategory(c.Name, c.Actions, c.ScopeKind, scopeRequired: false, c.Enforcement, c.GrantableAtRunTime, c.Summary,
            c.Description, c.ActionDescriptions, c.DeclaredImplications)),
        Aliases);

    /// <summary>Whether <paramref name="name"/> is one of the built-in categories of DESIGN §6 (file, network, ...).</summary>
    public static bool IsBuiltIn(string name) => Default.TryGetCategory(name, out _);

    /// <summary>Looks a category up by name.</summary>
    public bool TryGetCategory(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PermissionCategory? category) =>
        _categories.TryGetValue(name, out category);

    /// <summary>Whether <paramref name="alias"/> (with its <c>$</c>) is known.</summary>
    public bool HasAlias(string alias) => Aliases.Contains(alias, StringComparer.Ordinal);

    private static readonly System.Buffers.SearchValues<char> AliasChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
}
