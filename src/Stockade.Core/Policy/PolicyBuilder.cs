using Stockade.Core.Manifest;
using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>Builds a <see cref="SandboxPolicy"/> from a manifest, a person's grants and the host's options. Pure.</summary>
public static class PolicyBuilder
{
    /// <summary>
    /// Builds the policy. A grant is honoured only when a declared permission implies it (grants wider than the
    /// manifest are listed in <see cref="SandboxPolicy.IgnoredGrants"/>); an explicit denial wins over a grant.
    /// </summary>
    /// <exception cref="InvalidOperationException">An alias used by the manifest or the standard folders has no absolute directory in <paramref name="context"/>.</exception>
    public static SandboxPolicy Build(PluginManifest manifest, IEnumerable<Grant> grants, PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(grants);
        ArgumentNullException.ThrowIfNull(context);
        var aliases = context.AliasValues;
        foreach (var alias in PermissionCatalog.BuiltInAliases)
        {
            if (!aliases.TryGetValue(alias, out var value) || string.IsNullOrEmpty(value) || value[0] != '/')
            {
                throw new InvalidOperationException($"The policy context has no absolute directory for {alias}; set it in PolicyContext.AliasValues (see PolicyContext.StandardAliases).");
            }
        }

        var preset = context.EffectivePreset;
        var grantList = grants.ToArray();
        var declaredAll = manifest.Permissions.Required.Select(r => (r.Permission, Optional: false))
            .Concat(manifest.Permissions.Optional.Select(r => (r.Permission, Optional: true)))
            .ToArray();

        var decisions = new List<PermissionDecision>();
        var granted = new List<Permission>();
        var allowedRules = new List<SandboxPolicy.Rule>();
        var deniedRules = new List<SandboxPolicy.Rule>();
        var declaredRules = new List<SandboxPolicy.Rule>();
        var honoured = new HashSet<Grant>();

        // A named policy's own rules come before any person's grant: what it forbids is denied, and outside what it
        // allows nothing is granted. Compared resolved, so $PLUGIN_DATA in a policy means this plugin's folder.
        var forbidden = preset.ForbiddenPermissions.Select(p => p.WithResolvedPath(aliases)).ToArray();
        var ceiling = preset.AllowedPermissions?.Select(p => p.WithResolvedPath(aliases)).ToArray();
        foreach (var grant in grantList.Where(g => !g.Allowed))
        {
            if (declaredAll.Any(d => d.Permission.Implies(grant.Permission) || grant.Permission.Implies(d.Permission)))
            {
                honoured.Add(grant);
                deniedRules.Add(new SandboxPolicy.Rule(grant.Permission.WithResolvedPath(aliases), DecisionKind.Denied, $"denied by {grant.By} on {grant.At:yyyy-MM-dd HH:mm} UTC"));
            }
        }

        foreach (var (declared, optional) in declaredAll)
        {
            var resolved = declared.WithResolvedPath(aliases);
            var denial = grantList.FirstOrDefault(g => !g.Allowed && g.Permission.Implies(declared));
            var covering = grantList.Where(g => g.Allowed && declared.Implies(g.Permission)).ToArray();
            foreach (var grant in covering)
            {
                honoured.Add(grant);
            }

            PermissionDecision decision;
            if (denial is not null)
            {
                decision = new PermissionDecision(declared, DecisionKind.Denied, $"explicitly denied by {denial.By} on {denial.At:yyyy-MM-dd HH:mm} UTC");
            }
            else if (forbidden.FirstOrDefault(resolved.Overlaps) is { } banned)
            {
                // Overlap denies the whole declaration: a kernel rule cannot carve a forbidden part out of a wider grant.
                // Nothing else of the plugin is allowed but what a granted declaration gives, so no request reaches it.
                decision = new PermissionDecision(declared, DecisionKind.Denied, $"forbidden by the policy '{preset.Name}' (it forbids {banned})");
            }
            else if (ceiling is not null && !ceiling.Any(a => a.Implies(resolved)))
            {
                decision = new PermissionDecision(declared, DecisionKind.Denied,
                    $"outside what the policy '{preset.Name}' allows ({(ceiling.Length == 0 ? "nothing" : string.Join(", ", preset.AllowedPermissions!))})");
            }
            else if (preset.GrantAll)
            {
                decision = new PermissionDecision(declared, DecisionKind.Granted, $"granted: the {preset.Name} level grants everything declared (still audited)");
                Allow(resolved, $"granted as declared ({declared}) at the {preset.Name} level");
            }
            else if (covering.FirstOrDefault(g => g.Permission.Equals(declared) || g.Permission.Implies(declared)) is { } full)
            {
                decision = new PermissionDecision(declared, DecisionKind.Granted, $"granted by {full.By} on {full.At:yyyy-MM-dd HH:mm} UTC");
                Allow(resolved, $"granted: {declared}");
            }
            else if (covering.Length > 0)
            {
                var narrower = string.Join(", ", covering.Select(g => g.Permission.ToString()));
                decision = new PermissionDecision(declared, DecisionKind.PartlyGranted,
                    $"partly-granted: only {narrower} was granted; run `stockade grant {manifest.Id} {declared}` to allow all of it");
                foreach (var grant in covering)
                {
                    Allow(grant.Permission.WithResolvedPath(aliases), $"granted: {grant.Permission}");
                }

                // The rest of the declared scope stays askable (optional) or grantable (required), not "not declared".
                declaredRules.Add(new SandboxPolicy.Rule(
                    resolved,
                    optional ? DecisionKind.OptionalAsk : DecisionKind.DeclaredNotGranted,
                    $"'{declared}' is declared, but only {narrower} was granted; run `stockade grant {manifest.Id} {declared}` to allow all of it"));
            }
            else if (optional)
            {
                decision = new PermissionDecision(declared, DecisionKind.OptionalAsk, $"optional and not granted yet; the plugin may ask at run time, or run `stockade grant {manifest.Id} {declared}`");
            }
            else
            {
                decision = new PermissionDecision(declared, DecisionKind.DeclaredNotGranted, $"required but not granted; run `stockade grant {manifest.Id} {declared}` to allow it");
            }

            decisions.Add(decision);
            if (decision.Kind is not (DecisionKind.Granted or DecisionKind.PartlyGranted))
            {
                declaredRules.Add(new SandboxPolicy.Rule(resolved, decision.Kind, $"'{declared}' is declared but {(decision.Kind == DecisionKind.Denied ? "was denied" : "not granted")}: {decision.Reason}"));
            }
        }

        var implicitRules = ImplicitPermissions(aliases).Select(p => new SandboxPolicy.Rule(p.Permission, DecisionKind.Granted, p.Reason));
        var ignored = grantList.Where(g => !honoured.Contains(g)).ToArray();
        var fileRules = BuildFileRules(granted, aliases);

        return new SandboxPolicy(
            manifest.Id,
            preset,
            decisions,
            granted,
            ignored,
            fileRules,
            CapResources(CapResources(manifest.Resources, context.ResourceCaps), preset.ResourceCaps),
            CapTimeouts(CapTimeouts(manifest.Timeouts, context.TimeoutCaps), preset.TimeoutCaps),
            manifest.RateLimits,
            aliases,
            deniedRules,
            allowedRules.Concat(implicitRules),
            declaredRules);

        void Allow(Permission permission, string reason)
        {
            if (!granted.Contains(permission))
            {
                granted.Add(permission);
                allowedRules.Add(new SandboxPolicy.Rule(permission, DecisionKind.Granted, reason));
            }
        }
    }

    /// <summary>
    /// Whether a grant of <paramref name="permission"/> can be honoured for <paramref name="manifest"/>: some
    /// declared permission (required or optional) must imply it.
    /// </summary>
    public static GrantValidation ValidateGrant(PluginManifest manifest, Permission permission, PermissionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(permission);
        ArgumentNullException.ThrowIfNull(catalog);
        if (!catalog.TryGetCategory(permission.Category, out _))
        {
            return new GrantValidation(false, $"'{permission}' uses the category '{permission.Category}', which this host does not know");
        }

        var declared = manifest.Permissions.All.Select(r => r.Permission).ToArray();
        if (declared.FirstOrDefault(d => d.Implies(permission)) is { } covering)
        {
            return new GrantValidation(true, $"'{permission}' is covered by the declared '{covering}'");
        }

        var sameCategory = declared.Where(d => d.Category == permission.Category).Select(d => d.ToString()).ToArray();
        return sameCategory.Length == 0
            ? new GrantValidation(false, $"plugin {manifest.Id} declares no '{permission.Category}' permission, so '{permission}' cannot be granted")
            : new GrantValidation(false, $"'{permission}' is wider than anything plugin {manifest.Id} declares (it declares {string.Join(", ", sameCategory)})");
    }

    private static IEnumerable<(Permission Permission, string Reason)> ImplicitPermissions(IReadOnlyDictionary<string, string> aliases)
    {
        foreach (var (alias, actions, what) in new[]
        {
            ("$PLUGIN_DATA", new[] { "write", "delete" }, "the plugin's own data folder"),
            ("$TEMP", new[] { "write", "delete" }, "the plugin's own temp folder"),
            ("$PLUGIN_DIR", new[] { "read" }, "the plugin's own folder (read-only)"),
        })
        {
            foreach (var action in actions)
            {
                yield return (Permission.Parse($"file:{action}={alias}/**").WithResolvedPath(aliases), $"always allowed: {what}");
            }
        }
    }

    private static List<FileRule> BuildFileRules(IEnumerable<Permission> granted, IReadOnlyDictionary<string, string> aliases)
    {
        var rules = new Dictionary<(string Path, bool Recursive), FileRights>();
        void Add(string path, bool recursive, FileRights rights) =>
            rules[(path, recursive)] = rules.GetValueOrDefault((path, recursive)) | rights;

        var readWrite = FileRights.Read | FileRights.Write | FileRights.Delete;
        Add(PathScope.Parse("$PLUGIN_DATA").Resolve(aliases).Path, true, readWrite);
        Add(PathScope.Parse("$TEMP").Resolve(aliases).Path, true, readWrite);
        Add(PathScope.Parse("$PLUGIN_DIR").Resolve(aliases).Path, true, FileRights.Read);
        foreach (var permission in granted)
        {
            if (permission.PathScope is not { } scope)
            {
                continue;
            }

            var rights = (permission.Category, permission.Action) switch
            {
                ("file", "read") => FileRights.Read,
                ("file", "write") => FileRights.Read | FileRights.Write,
                ("file", "delete") => FileRights.Delete,
                ("subprocess", "execute") => FileRights.Execute | FileRights.Read,
                _ => FileRights.None,
            };

            if (rights != FileRights.None)
            {
                Add(scope.Path, scope.Glob != PathGlob.None, rights);
            }
        }

        return rules.Select(r => new FileRule(r.Key.Path, r.Value, r.Key.Recursive))
            .OrderBy(r => r.Path, StringComparer.Ordinal)
            .ThenBy(r => r.Recursive)
            .ToList();
    }

    private static ResourceLimits CapResources(ResourceLimits requested, ResourceLimits? caps)
    {
        if (caps is null)
        {
            return requested;
        }

        return new ResourceLimits
        {
            MemoryMb = Math.Min(requested.MemoryMb, caps.MemoryMb),
            CpuPercent = Math.Min(requested.CpuPercent, caps.CpuPercent),
            CpuTimeSeconds = (requested.CpuTimeSeconds, caps.CpuTimeSeconds) switch
            {
                (null, var cap) => cap,
                (var own, null) => own,
                (var own, var cap) => Math.Min(own.Value, cap.Value),
            },
            OpenFiles = Math.Min(requested.OpenFiles, caps.OpenFiles),
            Threads = Math.Min(requested.Threads, caps.Threads),
            DiskMb = Math.Min(requested.DiskMb, caps.DiskMb),
            MaxFileMb = Math.Min(requested.MaxFileMb, caps.MaxFileMb),
            Processes = Math.Min(requested.Processes, caps.Processes),
        };
    }

    private static PluginTimeouts CapTimeouts(PluginTimeouts requested, PluginTimeouts? caps) =>
        caps is null
            ? requested
            : new PluginTimeouts(Min(requested.Init, caps.Init), Min(requested.Call, caps.Call), Min(requested.Hook, caps.Hook));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
