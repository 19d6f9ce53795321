namespace Stockade.Core.Permissions;

/// <summary>One permission category known to a <see cref="PermissionCatalog"/>: its actions and how its scope is read.</summary>
public sealed class PermissionCategory
{
    /// <summary>Creates a category definition.</summary>
    /// <param name="name">Lowercase category name, e.g. <c>clipboard</c>.</param>
    /// <param name="actions">Lowercase action names, e.g. <c>read</c>, <c>write</c>.</param>
    /// <param name="scopeKind">How the scope is parsed and compared.</param>
    /// <param name="scopeRequired">Whether a permission of this category must carry a scope.</param>
    /// <param name="enforcement">Who enforces it; the broker for host-defined categories.</param>
    /// <param name="grantableAtRunTime">Whether an optional permission of it may be granted while the worker runs; false when the kernel enforces it (its rules are fixed at start).</param>
    /// <param name="summary">What it governs and how it is enforced, in a few words for reviews and reports; derived from <paramref name="enforcement"/> when null.</param>
    public PermissionCategory(string name, IEnumerable<string> actions, ScopeKind scopeKind = ScopeKind.Name, bool scopeRequired = false,
        PermissionEnforcement enforcement = PermissionEnforcement.Broker, bool? grantableAtRunTime = null, string? summary = null)
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
        Enforcement = enforcement;
        GrantableAtRunTime = grantableAtRunTime ?? enforcement != PermissionEnforcement.Kernel;
        Summary = summary ?? enforcement switch
        {
            PermissionEnforcement.Kernel => $"{name}: enforced by the kernel, fixed when the worker starts",
            PermissionEnforcement.WorkerStart => $"{name}: set when the worker starts",
            _ => $"{name}: checked by the broker on every call",
        };
    }

    /// <summary>Who enforces permissions of this category.</summary>
    public PermissionEnforcement Enforcement { get; }

    /// <summary>
    /// Whether an optional permission of this category may be granted at run time (a plugin's request answered by
    /// a person). False for kernel-enforced categories: their rules are fixed when the worker starts, so only
    /// <c>stockade grant</c>, which restarts the worker under the wider policy, can give them.
    /// </summary>
    public bool GrantableAtRunTime { get; }

    /// <summary>What the category governs and who enforces it, in a few words.</summary>
    public string Summary { get; }

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
