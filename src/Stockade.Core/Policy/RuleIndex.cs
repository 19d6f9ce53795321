using System.Collections.Frozen;
using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>
/// Rules indexed for <see cref="SandboxPolicy.Check"/>. <see cref="Find"/> returns exactly what a plain scan of the
/// rules in order would: the first rule that implies the request. To get there without trying every rule:
/// <list type="bullet">
/// <item>rules with an exact non-path scope (host with port, environment name, service name) are found by their
/// canonical text in one hash lookup (a <c>write</c> rule is also filed under its <c>read</c> text, since write
/// implies read, and a rule under each action the application declared it to imply);</item>
/// <item>path rules (any glob) are filed by category under their literal path (the part before the final
/// <c>/*</c> or <c>/**</c>), so a request only tries the rules filed under one of its own ancestors, itself
/// included: a path scope can only contain paths whose segments start with its own;</item>
/// <item>every other rule (no scope, host wildcards, name prefixes) is scanned, only in its category;</item>
/// <item>a category with no rule at all answers "none" after one lookup.</item>
/// </list>
/// Each rule keeps its position so that, when several places hold candidates, the earliest one wins as in the scan.
/// </summary>
internal sealed class RuleIndex
{
    private readonly FrozenDictionary<string, Entry> _exact;
    private readonly FrozenDictionary<string, CategoryRules> _categories;

    public RuleIndex(IEnumerable<SandboxPolicy.Rule> rules)
    {
        var exact = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var categories = new Dictionary<string, (Dictionary<string, List<Entry>> Paths, List<Entry> Others)>(StringComparer.Ordinal);
        var position = 0;
        foreach (var rule in rules)
        {
            var entry = new Entry(position++, rule);
            var permission = rule.Permission;
            if (IsExactNonPath(permission))
            {
                // TryAdd keeps the earliest rule per text, which is the one a scan would reach first.
                exact.TryAdd(permission.ToString(), entry);
                if (permission.Action == "write")
                {
                    exact.TryAdd($"{permission.Category}:read={permission.Scope}", entry);
                }

                foreach (var implied in permission.ImpliedActions) // the application's implications (e.g. admin gives read)
                {
                    exact.TryAdd($"{permission.Category}:{implied}={permission.Scope}", entry);
                }

                continue;
            }

            if (!categories.TryGetValue(permission.Category, out var category))
            {
                category = (new Dictionary<string, List<Entry>>(StringComparer.Ordinal), []);
                categories.Add(permission.Category, category);
            }

            if (permission.PathScope is { } path)
            {
                if (!category.Paths.TryGetValue(path.Path, out var bucket))
                {
                    bucket = [];
                    category.Paths.Add(path.Path, bucket);
                }

                bucket.Add(entry);
            }
            else
            {
                category.Others.Add(entry);
            }
        }

        // An exact hit is final unless a pattern rule of its category comes earlier in the policy.
        var firstPattern = categories.ToDictionary(
            c => c.Key,
            c => Math.Min(c.Value.Others.Count > 0 ? c.Value.Others[0].Position : int.MaxValue, c.Value.Paths.Values.Select(b => b[0].Position).DefaultIfEmpty(int.MaxValue).Min()),
            StringComparer.Ordinal);
        _exact = exact.ToFrozenDictionary(
            e => e.Key,
            e => e.Value with { Final = !firstPattern.TryGetValue(e.Value.Rule.Permission.Category, out var first) || first > e.Value.Position },
            StringComparer.Ordinal);
        _categories = categories.ToFrozenDictionary(
            c => c.Key,
            c => new CategoryRules(c.Value.Paths.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), [.. c.Value.Others]),
            StringComparer.Ordinal);
    }

    /// <summary>The first rule (in the order given) that implies <paramref name="requested"/>, or null.</summary>
    public SandboxPolicy.Rule? Find(Permission requested)
    {
        var best = int.MaxValue;
        SandboxPolicy.Rule? found = null;
        if (requested.PathScope is null && _exact.Count > 0 && _exact.TryGetValue(requested.ToString(), out var hit))
        {
            if (hit.Final)
            {
                return hit.Rule;
            }

            best = hit.Position;
            found = hit.Rule;
        }

        if (!_categories.TryGetValue(requested.Category, out var category))
        {
            return found;
        }

        if (requested.PathScope is { } path && category.Paths.Count > 0)
        {
            var text = path.Path;
            var lookup = category.PathLookup;

            // Visit every ancestor of the path, itself included, by whole segments: "/", "/a", "/a/b"
            // (or "$ALIAS", "$ALIAS/a" for a scope not yet resolved). Paths are normalised: no "//", no
            // trailing slash but for the root, no "." or "..".
            var start = 0;
            var lengths = category.PathLengths;
            if (text[0] == '/')
            {
                if (HasLength(lengths, 1))
                {
                    TryBucket(lookup, "/", requested, ref best, ref found);
                }

                start = 1;
            }

            while (start < text.Length)
            {
                var slash = text.IndexOf('/', start);
                var end = slash < 0 ? text.Length : slash;
                if (HasLength(lengths, end))
                {
                    TryBucket(lookup, text.AsSpan(0, end), requested, ref best, ref found);
                }

                start = end + 1;
            }
        }

        foreach (var entry in category.Others)
        {
            if (entry.Position >= best)
            {
                break;
            }

            if (entry.Rule.Permission.Implies(requested))
            {
                return entry.Rule;
            }
        }

        return found;
    }

    // Bit n (n < 63) is set when some literal path has n characters; bit 63 stands for every longer one. Skipping
    // a hash lookup for a length no literal path has changes no answer.
    private static bool HasLength(ulong lengths, int length) => (lengths & (1UL << Math.Min(length, 63))) != 0;

    private static void TryBucket(
        FrozenDictionary<string, Entry[]>.AlternateLookup<ReadOnlySpan<char>> lookup,
        ReadOnlySpan<char> prefix,
        Permission requested,
        ref int best,
        ref SandboxPolicy.Rule? found)
    {
        if (!lookup.TryGetValue(prefix, out var bucket))
        {
            return;
        }

        foreach (var entry in bucket)
        {
            if (entry.Position >= best)
            {
                return;
            }

            if (entry.Rule.Permission.Implies(requested))
            {
                best = entry.Position;
                found = entry.Rule;
                return;
            }
        }
    }

    // An exact scope implies exactly the permissions with the same canonical scope text, so text lookup is complete.
    private static bool IsExactNonPath(Permission permission) =>
        permission.Scope is not null
        && (permission.NameScope is { IsPrefix: false }
            || permission.EnvScope is { IsPrefix: false }
            || permission.HostPattern is { IsWildcard: false, Port: not null });

    private readonly record struct Entry(int Position, SandboxPolicy.Rule Rule, bool Final = false);

    private sealed class CategoryRules(FrozenDictionary<string, Entry[]> paths, Entry[] others)
    {
        public FrozenDictionary<string, Entry[]> Paths { get; } = paths;

        public FrozenDictionary<string, Entry[]>.AlternateLookup<ReadOnlySpan<char>> PathLookup { get; } = paths.GetAlternateLookup<ReadOnlySpan<char>>();

        public ulong PathLengths { get; } = paths.Keys.Aggregate(0UL, (mask, key) => mask | (1UL << Math.Min(key.Length, 63)));

        public Entry[] Others { get; } = others;
    }
}
