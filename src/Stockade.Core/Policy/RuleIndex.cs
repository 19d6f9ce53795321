using System.Collections.Frozen;
using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>
/// Rules indexed for <see cref="SandboxPolicy.Check"/>: rules with an exact scope are found by their canonical text
/// in one hash lookup (a <c>write</c> rule is also filed under its <c>read</c> text, since write implies read); only
/// rules with patterns (prefixes, globs, wildcards, no scope) are scanned, and only those of the asked category.
/// </summary>
internal sealed class RuleIndex
{
    private readonly FrozenDictionary<string, SandboxPolicy.Rule> _exact;
    private readonly FrozenDictionary<string, SandboxPolicy.Rule[]> _patterns;

    public RuleIndex(IEnumerable<SandboxPolicy.Rule> rules)
    {
        var exact = new Dictionary<string, SandboxPolicy.Rule>(StringComparer.Ordinal);
        var patterns = new List<SandboxPolicy.Rule>();
        foreach (var rule in rules)
        {
            var permission = rule.Permission;
            if (!IsExact(permission))
            {
                patterns.Add(rule);
                continue;
            }

            exact.TryAdd(permission.ToString(), rule);
            if (permission.Action == "write")
            {
                exact.TryAdd($"{permission.Category}:read={permission.Scope}", rule);
            }
        }

        _exact = exact.ToFrozenDictionary(StringComparer.Ordinal);
        _patterns = patterns.GroupBy(r => r.Permission.Category, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public SandboxPolicy.Rule? Find(Permission requested)
    {
        if (_exact.TryGetValue(requested.ToString(), out var hit))
        {
            return hit;
        }

        if (_patterns.TryGetValue(requested.Category, out var rules))
        {
            foreach (var rule in rules)
            {
                if (rule.Permission.Implies(requested))
                {
                    return rule;
                }
            }
        }

        return null;
    }

    // An exact scope implies exactly the permissions with the same canonical scope text, so text lookup is complete.
    private static bool IsExact(Permission permission) =>
        permission.Scope is not null
        && (permission.NameScope is { IsPrefix: false }
            || permission.EnvScope is { IsPrefix: false }
            || permission.PathScope is { Glob: PathGlob.None }
            || permission.HostPattern is { IsWildcard: false, Port: not null });
}
