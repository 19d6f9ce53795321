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
    /// <param name="description">What the category is about, in the application's words (e.g. <c>the shop's stock</c>); at most 200 characters, no control characters.</param>
    /// <param name="actionDescriptions">What each action allows, in the application's words (e.g. <c>read</c> → <c>see stock levels</c>); same rules as <paramref name="description"/>.</param>
    /// <param name="implies">
    /// Actions that holding an action also gives, within this category only (e.g. <c>admin</c> → <c>*</c> for every
    /// other action). Declared by the application, never by a manifest; closed transitively.
    /// </param>
    public PermissionCategory(string name, IEnumerable<string> actions, ScopeKind scopeKind = ScopeKind.Name, bool scopeRequired = false,
        PermissionEnforcement enforcement = PermissionEnforcement.Broker, bool? grantableAtRunTime = null, string? summary = null,
        string? description = null, IReadOnlyDictionary<string, string>? actionDescriptions = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? implies = null)
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
        Description = description is null ? null : CheckText(description, $"the description of category '{name}'");
        var descriptions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (action, text) in actionDescriptions ?? new Dictionary<string, string>())
        {
            if (!list.Contains(action, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Category '{name}' describes the action '{action}', which it does not have; its actions: {string.Join(", ", list)}.", nameof(actionDescriptions));
            }

            descriptions[action] = CheckText(text, $"the description of '{name}:{action}'");
        }

        ActionDescriptions = descriptions;
        Implications = Close(name, list, implies);
        DeclaredImplications = implies?.Where(i => i.Value is { Count: > 0 }).ToDictionary(i => i.Key, i => (IReadOnlyList<string>)[.. i.Value], StringComparer.Ordinal)
            ?? new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
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

    /// <summary>What the category is about, in the application's words; null when the application gave none.</summary>
    public string? Description { get; }

    /// <summary>What each action allows, in the application's words (only the actions the application described).</summary>
    public IReadOnlyDictionary<string, string> ActionDescriptions { get; }

    /// <summary>
    /// For each action that gives others, the other actions of this category it gives (transitively closed, sorted,
    /// never itself). Empty for the built-in categories, whose only rule is <c>write</c> ⇒ <c>read</c>.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Implications { get; }

    /// <summary>The implications as the application declared them (<c>*</c> kept), before closing; what is recorded and merged.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> DeclaredImplications { get; }

    /// <summary>Whether <paramref name="action"/> is one of <see cref="Actions"/>.</summary>
    public bool HasAction(string action) => Actions.Contains(action, StringComparer.Ordinal);

    /// <summary>The actions that holding <paramref name="action"/> also gives (empty when none).</summary>
    public IReadOnlyList<string> ImpliedBy(string action) => Implications.TryGetValue(action, out var implied) ? implied : [];

    /// <summary>Longest description accepted (a category's or an action's).</summary>
    public const int MaxDescriptionLength = 200;

    private static string CheckText(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxDescriptionLength || text.Any(c => char.IsControl(c) || c is '\u200e' or '\u200f' || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')))
        {
            throw new ArgumentException($"{char.ToUpperInvariant(what[0])}{what[1..]} must be at most {MaxDescriptionLength} characters of plain text (no control or bidirectional characters).");
        }

        return text.Trim();
    }

    private static Dictionary<string, IReadOnlyList<string>> Close(string name, string[] actions, IReadOnlyDictionary<string, IReadOnlyList<string>>? implies)
    {
        var direct = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (action, implied) in implies ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            if (!actions.Contains(action, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Category '{name}' gives implications to the action '{action}', which it does not have; its actions: {string.Join(", ", actions)}.", nameof(implies));
            }

            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var other in implied ?? [])
            {
                if (other == "*")
                {
                    set.UnionWith(actions);
                }
                else if (actions.Contains(other, StringComparer.Ordinal))
                {
                    set.Add(other);
                }
                else
                {
                    // Only actions of this category: another category's permission is another person's decision.
                    throw new ArgumentException($"'{name}:{action}' may imply only actions of '{name}' ({string.Join(", ", actions)}) or '*', not '{other}'.", nameof(implies));
                }
            }

            set.Remove(action);
            direct[action] = set;
        }

        var closed = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var action in direct.Keys)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>(direct[action]);
            while (queue.TryDequeue(out var next))
            {
                if (seen.Add(next) && direct.TryGetValue(next, out var more))
                {
                    foreach (var m in more)
                    {
                        queue.Enqueue(m);
                    }
                }
            }

            seen.Remove(action);
            if (seen.Count > 0)
            {
                closed[action] = [.. seen.Order(StringComparer.Ordinal)];
            }
        }

        return closed;
    }
}
