using NuGet.Versioning;

namespace Stockade.Analysis.Conflicts;

/// <summary>
/// Finds conflicts between plugins and orders them for loading. Pure: no I/O, and bad versions or ranges are
/// reported as <see cref="ConflictKind.IncompatibleVersion"/>, never thrown.
/// </summary>
public static class ConflictResolver
{
    private static readonly StringComparer Ids = StringComparer.OrdinalIgnoreCase;

    /// <summary>
    /// Install-time check: what installing <paramref name="candidate"/> next to <paramref name="installed"/> would
    /// break. An installed plugin with the candidate's id is treated as being upgraded (reported as a
    /// <see cref="ConflictKind.DuplicateId"/> warning) and left out. Only problems involving the candidate are
    /// returned, including installed plugins whose requirements the candidate's version no longer meets.
    /// </summary>
    /// <param name="installed">Installed plugins in install order (earliest first).</param>
    /// <param name="candidate">The plugin about to be installed.</param>
    /// <returns>The problems and the load order of the set after installation.</returns>
    public static ConflictReport Check(IReadOnlyList<PluginDescriptor> installed, PluginDescriptor candidate)
    {
        ArgumentNullException.ThrowIfNull(installed);
        ArgumentNullException.ThrowIfNull(candidate);
        var conflicts = new List<Conflict>();
        var replaced = installed.Where(p => Ids.Equals(p.Id, candidate.Id)).ToList();
        foreach (var old in replaced)
        {
            conflicts.Add(new Conflict
            {
                Kind = ConflictKind.DuplicateId,
                Severity = AnalysisSeverity.Warning,
                Plugins = [candidate.Id],
                Message = $"{candidate.Id} {old.Version} is installed; installing {candidate.Version} replaces it.",
                Suggestions = [$"keep {candidate.Id} {old.Version} by cancelling the install"],
            });
        }

        var set = installed.Where(p => !Ids.Equals(p.Id, candidate.Id)).Append(candidate).ToList();
        var full = Analyze(set);
        conflicts.AddRange(full.Conflicts.Where(c => c.Plugins.Contains(candidate.Id, Ids)));
        return new ConflictReport(Order(conflicts), full.LoadOrder);
    }

    /// <summary>
    /// Load-time analysis of a whole set: duplicate ids, explicit conflicts (declared by either side), provided-API
    /// clashes (the winner is named), exclusive resources, unmet or incompatible requirements, cycles, and the
    /// load order.
    /// </summary>
    /// <param name="set">The plugins, in install order (earliest first; this order breaks API ties).</param>
    public static ConflictReport Analyze(IReadOnlyList<PluginDescriptor> set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var conflicts = new List<Conflict>();
        var plugins = Deduplicate(set, conflicts);
        var versions = ParseVersions(plugins, conflicts);
        var edges = CheckRequirements(plugins, versions, conflicts);
        CheckExplicitConflicts(plugins, versions, conflicts);
        CheckDuplicateApis(plugins, conflicts);
        CheckExclusiveResources(plugins, conflicts);
        var cyclic = FindCycles(plugins, edges, conflicts);
        return new ConflictReport(Order(conflicts), LoadOrder(plugins, edges, cyclic));
    }

    private static List<PluginDescriptor> Deduplicate(IReadOnlyList<PluginDescriptor> set, List<Conflict> conflicts)
    {
        var kept = new List<PluginDescriptor>();
        foreach (var group in set.GroupBy(p => p.Id, Ids))
        {
            var copies = group.ToList();
            var best = copies.MaxBy(p => NuGetVersion.TryParse(p.Version, out var v) ? v : new NuGetVersion(0, 0, 0))!;
            kept.Add(best);
            if (copies.Count > 1)
            {
                conflicts.Add(new Conflict
                {
                    Kind = ConflictKind.DuplicateId,
                    Severity = AnalysisSeverity.Error,
                    Plugins = [group.Key],
                    Message = $"{group.Key} is present {copies.Count} times (versions {string.Join(", ", copies.Select(p => p.Version))}); a plugin id must be unique.",
                    Suggestions = copies.Where(p => !ReferenceEquals(p, best)).Select(p => $"uninstall {p.Id} {p.Version}").ToList(),
                });
            }
        }

        return kept;
    }

    private static Dictionary<string, NuGetVersion> ParseVersions(List<PluginDescriptor> plugins, List<Conflict> conflicts)
    {
        var versions = new Dictionary<string, NuGetVersion>(Ids);
        foreach (var plugin in plugins)
        {
            if (NuGetVersion.TryParse(plugin.Version, out var version))
            {
                versions[plugin.Id] = version;
            }
            else
            {
                conflicts.Add(Incompatible([plugin.Id], $"{plugin.Id} has version '{plugin.Version}', which is not a SemVer version (e.g. 1.2.0).", $"fix the version in {plugin.Id}'s manifest"));
            }
        }

        return versions;
    }

    /// <summary>Checks every requirement and returns the requires edges (plugin → plugins it needs) between present plugins.</summary>
    private static Dictionary<string, SortedSet<string>> CheckRequirements(List<PluginDescriptor> plugins, Dictionary<string, NuGetVersion> versions, List<Conflict> conflicts)
    {
        var byId = plugins.ToDictionary(p => p.Id, Ids);
        var edges = plugins.ToDictionary(p => p.Id, _ => new SortedSet<string>(StringComparer.Ordinal), Ids);
        foreach (var plugin in plugins)
        {
            foreach (var requirement in plugin.Requires)
            {
                var range = requirement.Range;
                var wanted = Core.Manifest.VersionRangeGrammar.Describe(range);
                if (byId.TryGetValue(requirement.Id, out var target))
                {
                    var required = byId[target.Id].Id;
                    edges[plugin.Id].Add(required);
                    if (versions.TryGetValue(required, out var present) && !range.Satisfies(present))
                    {
                        var upgrade = range.MinVersion is not null && present < range.MinVersion ? "upgrade" : "change";
                        conflicts.Add(Incompatible(
                            [plugin.Id, required],
                            $"{plugin.Id} requires {required} in {wanted}, but {required} {present} is present.",
                            $"{upgrade} {required} to a version in {wanted}",
                            $"uninstall {plugin.Id}"));
                    }

                    continue;
                }

                var providers = plugins
                    .Where(p => p.Provides.Any(a => Ids.Equals(a.Api, requirement.Id) && NuGetVersion.TryParse(a.Version, out var v) && range.Satisfies(v)))
                    .Select(p => p.Id)
                    .ToList();
                if (providers.Count > 0)
                {
                    edges[plugin.Id].UnionWith(providers.Where(p => !Ids.Equals(p, plugin.Id)));
                    continue;
                }

                conflicts.Add(new Conflict
                {
                    Kind = ConflictKind.UnmetRequirement,
                    Severity = AnalysisSeverity.Error,
                    Plugins = [plugin.Id],
                    Message = $"{plugin.Id} requires {requirement.Id} in {wanted}, which is not installed and no installed plugin provides it.",
                    Suggestions = [$"install {requirement.Id} in {wanted}", $"uninstall {plugin.Id}"],
                });
            }
        }

        return edges;
    }

    private static void CheckExplicitConflicts(List<PluginDescriptor> plugins, Dictionary<string, NuGetVersion> versions, List<Conflict> conflicts)
    {
        var byId = plugins.ToDictionary(p => p.Id, Ids);
        var reported = new HashSet<(string, string)>();
        foreach (var plugin in plugins)
        {
            foreach (var declared in plugin.Conflicts)
            {
                if (!byId.TryGetValue(declared.Id, out var other) || Ids.Equals(other.Id, plugin.Id))
                {
                    continue;
                }

                var matches = true;
                var which = "every version";
                if (declared.Range is not null)
                {
                    if (!Core.Manifest.VersionRangeGrammar.TryParse(declared.Range, out var range, out var problem))
                    {
                        conflicts.Add(Incompatible([plugin.Id], $"{plugin.Id} declares a conflict with {other.Id} with range {problem}.", $"fix the conflict range of {other.Id} in {plugin.Id}'s manifest"));
                        continue;
                    }

                    which = Core.Manifest.VersionRangeGrammar.Describe(range);
                    matches = versions.TryGetValue(other.Id, out var version) && range.Satisfies(version);
                }

                var pair = string.CompareOrdinal(plugin.Id.ToLowerInvariant(), other.Id.ToLowerInvariant()) < 0
                    ? (plugin.Id.ToLowerInvariant(), other.Id.ToLowerInvariant())
                    : (other.Id.ToLowerInvariant(), plugin.Id.ToLowerInvariant());
                if (matches && reported.Add(pair))
                {
                    conflicts.Add(new Conflict
                    {
                        Kind = ConflictKind.ExplicitConflict,
                        Severity = AnalysisSeverity.Error,
                        Plugins = [plugin.Id, other.Id],
                        Message = $"{plugin.Id} declares that it conflicts with {other.Id} ({which}); {other.Id} {other.Version} is present.",
                        Suggestions = [$"uninstall {other.Id}", $"disable one of {plugin.Id}, {other.Id}"],
                    });
                }
            }
        }
    }

    private static void CheckDuplicateApis(List<PluginDescriptor> plugins, List<Conflict> conflicts)
    {
        var offers = plugins
            .SelectMany((plugin, index) => plugin.Provides.Select(api => (Api: api.Api, Plugin: plugin, Index: index, Version: NuGetVersion.TryParse(api.Version, out var v) ? v : null)))
            .GroupBy(o => o.Api, Ids)
            .Where(g => g.Select(o => o.Plugin.Id).Distinct(Ids).Count() > 1);
        foreach (var group in offers)
        {
            var ranked = group
                .OrderByDescending(o => o.Version ?? new NuGetVersion(0, 0, 0))
                .ThenBy(o => o.Index)
                .ThenBy(o => o.Plugin.Id, StringComparer.Ordinal)
                .ToList();
            var (winner, runnerUp) = (ranked[0], ranked[1]);
            var why = winner.Version is not null && runnerUp.Version is not null && winner.Version > runnerUp.Version
                ? $"it provides the highest version ({winner.Version} over {runnerUp.Version})"
                : "the versions are equal and it was installed first";
            var ids = ranked.Select(o => o.Plugin.Id).ToList();
            conflicts.Add(new Conflict
            {
                Kind = ConflictKind.DuplicateApi,
                Severity = AnalysisSeverity.Warning,
                Plugins = ids,
                Message = $"API '{group.Key}' is provided by {string.Join(", ", ids)}; {winner.Plugin.Id} wins because {why}.",
                Suggestions = [$"disable one of {string.Join(", ", ids)} to choose the provider yourself"],
            });
        }
    }

    private static void CheckExclusiveResources(List<PluginDescriptor> plugins, List<Conflict> conflicts)
    {
        var claims = plugins
            .SelectMany(p => p.Exclusive.Distinct(StringComparer.Ordinal).Select(resource => (Resource: resource, p.Id)))
            .GroupBy(c => c.Resource, StringComparer.Ordinal)
            .Where(g => g.Count() > 1);
        foreach (var group in claims)
        {
            var ids = group.Select(c => c.Id).ToList();
            conflicts.Add(new Conflict
            {
                Kind = ConflictKind.ExclusiveResource,
                Severity = AnalysisSeverity.Error,
                Plugins = ids,
                Message = $"{string.Join(", ", ids)} all claim the exclusive resource '{group.Key}'; only one may hold it.",
                Suggestions = [$"disable one of {string.Join(", ", ids)}"],
            });
        }
    }

    /// <summary>Reports every strongly connected group of requires edges (Tarjan) and returns the plugins in cycles.</summary>
    private static HashSet<string> FindCycles(List<PluginDescriptor> plugins, Dictionary<string, SortedSet<string>> edges, List<Conflict> conflicts)
    {
        var index = new Dictionary<string, int>(Ids);
        var low = new Dictionary<string, int>(Ids);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(Ids);
        var cyclic = new HashSet<string>(Ids);
        var counter = 0;

        void Connect(string node)
        {
            index[node] = low[node] = counter++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in edges[node])
            {
                if (!index.TryGetValue(next, out var nextIndex))
                {
                    Connect(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }

            if (low[node] != index[node])
            {
                return;
            }

            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (!Ids.Equals(member, node));

            if (component.Count > 1 || edges[node].Contains(node))
            {
                cyclic.UnionWith(component);
                conflicts.Add(CycleConflict(component, edges));
            }
        }

        foreach (var plugin in plugins.Select(p => p.Id).Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(plugin))
            {
                Connect(plugin);
            }
        }

        return cyclic;
    }

    private static Conflict CycleConflict(List<string> component, Dictionary<string, SortedSet<string>> edges)
    {
        // Shortest way round from the lexically first member, found breadth-first inside the component.
        var members = new HashSet<string>(component, Ids);
        var start = component.Order(StringComparer.Ordinal).First();
        var parent = new Dictionary<string, string>(Ids);
        var queue = new Queue<string>([start]);
        string? last = null;
        while (last is null && queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var next in edges[current].Where(members.Contains))
            {
                if (Ids.Equals(next, start))
                {
                    last = current;
                    break;
                }

                if (parent.TryAdd(next, current))
                {
                    queue.Enqueue(next);
                }
            }
        }

        var path = new List<string>();
        for (var node = last ?? start; !Ids.Equals(node, start); node = parent[node])
        {
            path.Add(node);
        }

        path.Add(start);
        path.Reverse();

        var ordered = component.Order(StringComparer.Ordinal).ToList();
        return new Conflict
        {
            Kind = ConflictKind.Cycle,
            Severity = AnalysisSeverity.Error,
            Plugins = ordered,
            Message = $"Requirements form a cycle: {string.Join(" → ", path.Append(start))}; none of them can be loaded first.",
            Suggestions = [$"remove the requirement of {path[^1]} on {start}", $"disable one of {string.Join(", ", ordered)}"],
        };
    }

    private static List<string> LoadOrder(List<PluginDescriptor> plugins, Dictionary<string, SortedSet<string>> edges, HashSet<string> cyclic)
    {
        var waiting = plugins.Where(p => !cyclic.Contains(p.Id)).ToDictionary(p => p.Id, p => edges[p.Id].Count(n => !Ids.Equals(n, p.Id)), Ids);
        var dependents = plugins.ToDictionary(p => p.Id, _ => new List<string>(), Ids);
        foreach (var (plugin, needs) in edges)
        {
            foreach (var needed in needs.Where(n => !Ids.Equals(n, plugin)))
            {
                dependents[needed].Add(plugin);
            }
        }

        var ready = new SortedSet<string>(waiting.Where(w => w.Value == 0).Select(w => w.Key), StringComparer.Ordinal);
        var order = new List<string>();
        while (ready.Count > 0)
        {
            var next = ready.Min!;
            ready.Remove(next);
            order.Add(next);
            foreach (var dependent in dependents[next].Where(waiting.ContainsKey))
            {
                if (--waiting[dependent] == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        return order;
    }

    private static Conflict Incompatible(IReadOnlyList<string> plugins, string message, params string[] suggestions) => new()
    {
        Kind = ConflictKind.IncompatibleVersion,
        Severity = AnalysisSeverity.Error,
        Plugins = plugins,
        Message = message,
        Suggestions = suggestions,
    };

    private static List<Conflict> Order(List<Conflict> conflicts) => conflicts
        .OrderByDescending(c => c.Severity)
        .ThenBy(c => c.Kind)
        .ThenBy(c => c.Plugins[0], StringComparer.Ordinal)
        .ToList();
}
