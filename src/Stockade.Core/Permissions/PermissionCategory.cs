namespace Stockade.Core.Permissions;

/// <summary>One permission category known to a <see cref="PermissionCatalog"/>: its actions and how its scope is read.</summary>
public sealed class PermissionCategory
{
    /// <summary>Creates a category definition.</summary>
    /// <param name="name">Lowercase category name, e.g. <c>clipboard</c>.</param>
    /// <param name="actions">Lowercase action names, e.g. <c>read</c>, <c>write</c>.</param>
    /// <param name="scopeKind">How the scope is parsed and compared.</param>
    /// <param name="scopeRequired">Whether a permission of this category must carry a scope.</param>
    public PermissionCategory(string name, IEnumerable<string> actions, ScopeKind scopeKind = ScopeKind.Name, bool scopeRequired = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(actions);
        if (!PermissionParser.IsIdentifier(name))
        {
            throw new ArgumentException($"Category name '{name}' must be lowercase letters, digits or '-' and start with a letter.", nameof(name));
        }

        var list = actions.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException($"Category '{name}' needs at least one action.", nameof(actions));
        }

        foreach (var action in list)
        {
            if (!PermissionParser.IsIdentifier(action))
            {
                throw new ArgumentException($"Action '{action}' of category '{name}' must be lowercase letters, digits or '-' and start with a letter.", nameof(actions));
            }
        }

        Name = name;
        Actions = list;
        ScopeKind = scopeKind;
        ScopeRequired = scopeRequired;
    }

    /// <summary>Category name, e.g. <c>file</c>.</summary>
    public string Name { get; }

    /// <summary>Actions this category accepts.</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>How the scope is parsed and compared.</summary>
    public ScopeKind ScopeKind { get; }

    /// <summary>Whether a permission of this category must carry a scope (a scopeless one means "everything").</summary>
    public bool ScopeRequired { get; }

    /// <summary>Whether <paramref name="action"/> is one of <see cref="Actions"/>.</summary>
    public bool HasAction(string action) => Actions.Contains(action, StringComparer.Ordinal);
}
