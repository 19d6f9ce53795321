using Microsoft.Extensions.Logging;
using Stockade.Core.Audit;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Store;
using Stockade.Hosting.Workers;
using Stockade.Linux.Features;

namespace Stockade.Hosting.Loading;

/// <summary>
/// Id or folder → what to run: finds the installed copy (verified by <see cref="InstalledCopyVerifier"/>) or the
/// development folder, reads and validates the manifest, gathers the grants (stored, or given on the command line),
/// decides the level this machine can enforce (refusing or downgrading, audited) and builds the immutable policy and the
/// guarantee report. Starts nothing.
/// </summary>
internal sealed class PluginResolver(
    StockadeHome home,
    StockadeStore store,
    PluginHostOptions options,
    Func<PermissionCatalog> catalog,
    Func<KernelFeatureReport> features,
    Func<string, WorkerIdentity> identityOf,
    InstalledCopyVerifier verifier,
    Func<AuditEntry, ValueTask<AuditRecord>> audit,
    ILogger logger,
    TimeProvider time,
    Func<string, PluginManifest, LevelPreset, bool, Task> requirements)
{
    private readonly Func<string, PluginManifest, LevelPreset, bool, Task> _requirements = requirements;
    private readonly StockadeHome _home = home;
    private readonly StockadeStore _store = store;
    private readonly PluginHostOptions _options = options;
    private readonly Func<PermissionCatalog> _catalog = catalog;
    private readonly Func<KernelFeatureReport> _features = features;
    private readonly Func<string, WorkerIdentity> _identityOf = identityOf;
    private readonly InstalledCopyVerifier _verifier = verifier;
    private readonly Func<AuditEntry, ValueTask<AuditRecord>> _audit = audit;
    private readonly ILogger _logger = logger;
    private readonly TimeProvider _time = time;

    /// <summary>The host's named policies by name (issue 18, PluginHost.Policies.cs); null knows only the built-in levels.</summary>
    public Func<string, LevelPreset?>? NamedPolicies { get; init; }

    public async Task<(LoadedPlugin Plugin, IReadOnlyList<GrantRecord> StoredGrants)> ResolveAsync(string idOrDirectory, PluginLoadOptions options)
    {
        var levelText = options.Level ?? _options.DefaultLevel;
        var named = SecurityLevelNames.TryParse(levelText, out _) ? null : NamedPolicies?.Invoke(levelText);
        string directory;
        bool installed;
        IReadOnlyList<Grant> grants;
        IReadOnlyList<GrantRecord> stored = [];
        var record = Directory.Exists(idOrDirectory) ? null : _store.GetPlugin(idOrDirectory);
        if (record is not null)
        {
            if (!record.Enabled)
            {
                throw new PluginRefusedException(record.Id, $"plugin '{record.Id}' is disabled", [], $"enable it with: stockade enable {record.Id}");
            }

            directory = _home.InstallDirectory(record.Id, record.Version);
            installed = true;
            await _verifier.VerifyAsync(record, directory, levelText, named).ConfigureAwait(false);
            stored = _store.GetGrants(record.Id);
            grants = [.. stored.Select(ToGrant).OfType<Grant>()];
        }
        else if (Directory.Exists(idOrDirectory))
        {
            directory = Path.GetFullPath(idOrDirectory);
            installed = false;
            grants = [];
        }
        else
        {
            throw new PluginNotFoundException(idOrDirectory, $"no installed plugin and no folder named '{idOrDirectory}'",
                "run 'stockade list' to see installed plugins, or give the path of a plugin folder.");
        }

        var read = ManifestReader.ReadDirectory(directory, _catalog()); // host service categories and host aliases are valid here
        if (!read.IsValid || read.Manifest is null)
        {
            throw new PluginRefusedException(Path.GetFileName(directory), $"the manifest in {directory} is not valid",
                [.. read.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())],
                "fix the lines above; 'stockade validate <folder>' shows every diagnostic.");
        }

        var manifest = read.Manifest;
        await CheckHostLimitsAsync(manifest, directory).ConfigureAwait(false); // host caps: refused (or clamped) with the cap named
        if (!installed)
        {
            grants = ParseDevelopmentGrants(manifest, options.Grants);
        }

        var requested = named?.Level ?? ParseLevel(levelText, manifest.Id);
        await _requirements(directory, manifest, named ?? LevelPresets.Get(requested), installed).ConfigureAwait(false); // strict: signature and analysis, folder runs too
        var effective = await DecideLevelAsync(manifest.Id, requested, options.AllowDowngrade ?? _options.AllowDowngrade).ConfigureAwait(false);
        var policy = BuildPolicy(manifest, grants, effective, directory, named);
        var user = _identityOf(manifest.Id);
        var plugin = new LoadedPlugin(manifest, directory, policy, requested, [.. GuaranteeReport.For(policy, _features(), manifest.Runtime), GuaranteeReport.Privileges(user.Describe(), user.Uid is not null)], installed);
        return (plugin, stored);
    }

    public SandboxPolicy BuildPolicy(PluginManifest manifest, IReadOnlyList<Grant> grants, SecurityLevel level, string directory, LevelPreset? named = null)
    {
        var aliases = new Dictionary<string, string>(PolicyContext.StandardAliases(_home.Root, manifest.Id, directory), StringComparer.Ordinal);
        foreach (var (name, path) in _options.Aliases)
        {
            aliases[name.StartsWith('$') ? name : "$" + name] = path;
        }

        var context = new PolicyContext
        {
            Level = level,
            Preset = Policies.NamedPolicy.AtLevel(named, level), // a host's named policy (issue 18); kept at the level actually run
            AliasValues = aliases,
            Catalog = _catalog(),
            // Within the host's caps already (HostLimits); CPU is lowered further to what the machine's cores can give.
            ResourceCaps = _options.ResourceCaps with { CpuPercent = Math.Min(_options.ResourceCaps.CpuPercent, 100 * Environment.ProcessorCount) },
            TimeoutCaps = _options.TimeoutCaps,
        };
        var limits = HostLimitsOf(manifest);
        return PolicyBuilder.Build(manifest with { Resources = limits.Resources, Timeouts = limits.Timeouts }, grants, context);
    }

    /// <summary>The manifest's limits under the host's defaults (for what it leaves out) and caps (issue 16 item 6).</summary>
    private HostLimitResolution HostLimitsOf(PluginManifest manifest) =>
        HostLimits.Resolve(manifest, _options.DefaultResources, _options.ResourceCaps, _options.DefaultTimeouts, _options.TimeoutCaps, _options.ClampToCaps,
            $"{nameof(PluginHostOptions)}.{nameof(PluginHostOptions.ResourceCaps)}", $"{nameof(PluginHostOptions)}.{nameof(PluginHostOptions.TimeoutCaps)}");

    /// <summary>
    /// Refuses a manifest that asks above a host cap (audited <c>validation.warning</c>, deny, stage <c>limits</c>), or,
    /// when the host clamps, records each lowered limit (info) and goes on.
    /// </summary>
    private async Task CheckHostLimitsAsync(PluginManifest manifest, string directory)
    {
        var limits = HostLimitsOf(manifest);
        foreach (var problem in limits.OverCap)
        {
            await _audit(new AuditEntry(AuditActions.ValidationWarning, limits.Refused ? AuditDecision.Deny : AuditDecision.Info, AuditLayer.Loader)
            {
                Plugin = manifest.Id,
                Resource = directory,
                Details = new Dictionary<string, string> { ["stage"] = "limits", ["code"] = "over-cap", ["message"] = problem, ["applied"] = limits.Refused ? "refused" : "clamped to the cap" },
            }).ConfigureAwait(false);
        }

        if (limits.Refused)
        {
            throw new PluginRefusedException(manifest.Id, $"plugin '{manifest.Id}' asks for more than this host allows: {limits.OverCap.Count} limit(s) above the host's caps",
                [.. limits.OverCap], "lower these limits in the plugin's manifest, or ask the host's operator to raise the caps named (or to set PluginHostOptions.ClampToCaps to run it at the caps).");
        }
    }

    private IReadOnlyList<Grant> ParseDevelopmentGrants(PluginManifest manifest, IReadOnlyList<string> texts)
    {
        var catalog = _catalog();
        var grants = new List<Grant>();
        var problems = new List<string>();
        foreach (var text in texts.Where(t => !IsNone(t)))
        {
            if (IsAll(text))
            {
                // As at install: every permission the manifest declares, required and optional, nothing wider.
                grants.AddRange(manifest.Permissions.Required.Concat(manifest.Permissions.Optional)
                    .Select(r => new Grant(r.Permission, Allowed: true, _time.GetUtcNow(), "command line", Optional: false)));
                continue;
            }

            if (!Permission.TryParse(text, catalog, out var permission, out var error))
            {
                problems.Add($"--grant {text}: {error}");
                continue;
            }

            var validation = PolicyBuilder.ValidateGrant(manifest, permission, catalog);
            if (!validation.Ok)
            {
                problems.Add($"--grant {text}: {validation.Message}");
                continue;
            }

            grants.Add(new Grant(permission, Allowed: true, _time.GetUtcNow(), "command line", Optional: false));
        }

        if (problems.Count > 0)
        {
            throw new PluginRefusedException(manifest.Id, "some grants cannot be given", problems, "grant only what the manifest declares ('stockade validate <folder>' lists it).");
        }

        return grants;
    }

    private static bool IsAll(string text) => string.Equals(text, "all", StringComparison.OrdinalIgnoreCase);

    private static bool IsNone(string text) => string.Equals(text, "none", StringComparison.OrdinalIgnoreCase);

    public Grant? ToGrant(GrantRecord stored)
    {
        return Permission.TryParse(stored.Permission, _catalog(), out var permission, out _)
            ? new Grant(permission, stored.Allowed, stored.GrantedAt, stored.GrantedBy, stored.Optional)
            : null;
    }

    private static SecurityLevel ParseLevel(string text, string pluginId) =>
        SecurityLevelNames.TryParse(text, out var level)
            ? level
            : throw new PluginRefusedException(pluginId, $"unknown security level '{text}'", [], "use one of: " + SecurityLevelNames.List() + ", or the name of a policy the host registered ('stockade policy list').");

    private async Task<SecurityLevel> DecideLevelAsync(string pluginId, SecurityLevel requested, bool allowDowngrade)
    {
        var best = GuaranteeReport.HighestLevel(_features());
        if (requested <= best)
        {
            return requested;
        }

        var missing = GuaranteeReport.MissingFor(requested, _features());
        if (!allowDowngrade)
        {
            await _audit(new AuditEntry(AuditActions.LevelDowngrade, AuditDecision.Deny, AuditLayer.Loader) { Plugin = pluginId, Details = new Dictionary<string, string> { ["requested"] = PluginHost.Name(requested), ["best"] = PluginHost.Name(best), ["missing"] = string.Join("; ", missing) } }).ConfigureAwait(false);
            throw new LevelNotEnforceableException(pluginId, PluginHost.Name(requested), PluginHost.Name(best), missing);
        }

        Log.Downgraded(_logger, pluginId, PluginHost.Name(requested), PluginHost.Name(best));
        await _audit(new AuditEntry(AuditActions.LevelDowngrade, AuditDecision.Allow, AuditLayer.Loader) { Plugin = pluginId, Details = new Dictionary<string, string> { ["requested"] = PluginHost.Name(requested), ["effective"] = PluginHost.Name(best), ["missing"] = string.Join("; ", missing) } }).ConfigureAwait(false);
        return best;
    }
}
