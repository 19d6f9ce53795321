using Stockade.Core.Manifest;
using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>
/// The immutable policy of one plugin: manifest + grants + host options (built by <see cref="PolicyBuilder"/>).
/// The broker calls <see cref="Check"/>; the Linux layer reads <see cref="FileRules"/>, <see cref="Resources"/>
/// and the preset flags.
/// </summary>
public sealed class SandboxPolicy
{
    private const string NotDeclaredReason = "the plugin's manifest declares no permission that covers this";

    private readonly RuleIndex _denied;
    private readonly RuleIndex _allowed;
    private readonly RuleIndex _declared;
    private readonly IReadOnlyDictionary<string, string> _aliasValues;

    internal SandboxPolicy(
        string pluginId,
        LevelPreset preset,
        IReadOnlyList<PermissionDecision> decisions,
        IReadOnlyList<Permission> granted,
        IReadOnlyList<Grant> ignoredGrants,
        IReadOnlyList<FileRule> fileRules,
        ResourceLimits resources,
        PluginTimeouts timeouts,
        IReadOnlyList<RateLimitRule> rateLimits,
        IReadOnlyDictionary<string, string> aliasValues,
        IEnumerable<Rule> denied,
        IEnumerable<Rule> allowed,
        IEnumerable<Rule> declared)
    {
        PluginId = pluginId;
        Preset = preset;
        Decisions = decisions;
        Granted = granted;
        IgnoredGrants = ignoredGrants;
        FileRules = fileRules;
        Resources = resources;
        Timeouts = timeouts;
        RateLimits = rateLimits;
        EnvironmentNames = granted.Where(p => p.EnvScope is not null).Select(p => p.EnvScope!).ToArray();
        NetworkPatterns = granted.Where(p => p.HostPattern is not null).Select(p => p.HostPattern!).ToArray();
        AllowExec = granted.Any(p => p.Category == "subprocess");
        _aliasValues = aliasValues;
        _denied = new RuleIndex(denied);
        _allowed = new RuleIndex(allowed);
        _declared = new RuleIndex(declared);
    }

    private SandboxPolicy(SandboxPolicy other, ResourceLimits resources)
    {
        (PluginId, Preset, Decisions, Granted, IgnoredGrants, FileRules, Timeouts, RateLimits) =
            (other.PluginId, other.Preset, other.Decisions, other.Granted, other.IgnoredGrants, other.FileRules, other.Timeouts, other.RateLimits);
        (EnvironmentNames, NetworkPatterns, AllowExec) = (other.EnvironmentNames, other.NetworkPatterns, other.AllowExec);
        (_aliasValues, _denied, _allowed, _declared) = (other._aliasValues, other._denied, other._allowed, other._declared);
        Resources = resources;
    }

    /// <summary>
    /// This policy with other resource limits and everything else the same: a worker restarted under stricter limits
    /// after a resource kill (the host's restart policy). A new instance, so workers prepared under this one are not
    /// taken for it.
    /// </summary>
    public SandboxPolicy WithResources(ResourceLimits resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        return new SandboxPolicy(this, resources);
    }

    /// <summary>The plugin's id.</summary>
    public string PluginId { get; }

    /// <summary>The security level (of <see cref="Preset"/>).</summary>
    public SecurityLevel Level => Preset.Level;

    /// <summary>The policy preset in force.</summary>
    public LevelPreset Preset { get; }

    /// <summary>One decision per declared permission (required first, then optional), with the reason in plain words.</summary>
    public IReadOnlyList<PermissionDecision> Decisions { get; }

    /// <summary>The effective granted permissions, paths resolved to absolute; at unrestricted, everything declared.</summary>
    public IReadOnlyList<Permission> Granted { get; }

    /// <summary>Grants that were not honoured because no declared permission covers them.</summary>
    public IReadOnlyList<Grant> IgnoredGrants { get; }

    /// <summary>
    /// Landlock rules: <c>$PLUGIN_DATA</c> and <c>$TEMP</c> read-write-delete, <c>$PLUGIN_DIR</c> read-only, plus
    /// granted file permissions and granted executables (Execute|Read). One rule per path and recursion, sorted.
    /// </summary>
    public IReadOnlyList<FileRule> FileRules { get; }

    /// <summary>Effective resource limits: the smaller of manifest and host cap.</summary>
    public ResourceLimits Resources { get; }

    /// <summary>Effective timeouts: the smaller of manifest and host cap.</summary>
    public PluginTimeouts Timeouts { get; }

    /// <summary>Rate limits from the manifest.</summary>
    public IReadOnlyList<RateLimitRule> RateLimits { get; }

    /// <summary>Granted environment names and prefixes (a prefix never passes a secret-looking name).</summary>
    public IReadOnlyList<EnvScope> EnvironmentNames { get; }

    /// <summary>Granted host patterns for brokered network requests.</summary>
    public IReadOnlyList<HostPattern> NetworkPatterns { get; }

    /// <summary>True when any <c>subprocess:execute</c> is granted.</summary>
    public bool AllowExec { get; }

    /// <summary>
    /// Decides a permission the plugin asks for at run time. Explicit denials win; then a granted permission that
    /// implies it (the plugin's own data and temp folders and its read-only folder always count); otherwise says
    /// whether it was not declared, declared but not granted, or optional and may be asked for. Does not allocate
    /// unless the request uses a path alias.
    /// </summary>
    public PermissionDecision Check(Permission requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (requested.PathScope is { IsResolved: false })
        {
            if (!_aliasValues.ContainsKey(requested.PathScope.Alias!))
            {
                return new PermissionDecision(requested, DecisionKind.NotDeclared, $"the alias {requested.PathScope.Alias} has no directory in this policy");
            }

            requested = requested.WithResolvedPath(_aliasValues);
        }

        if (_denied.Find(requested) is { } denied)
        {
            return new PermissionDecision(requested, DecisionKind.Denied, denied.Reason);
        }

        if (_allowed.Find(requested) is { } allowed)
        {
            return new PermissionDecision(requested, DecisionKind.Granted, allowed.Reason);
        }

        if (_declared.Find(requested) is { } declared)
        {
            return new PermissionDecision(requested, declared.Kind, declared.Reason);
        }

        return new PermissionDecision(requested, DecisionKind.NotDeclared, NotDeclaredReason);
    }

    /// <summary>A pre-resolved permission with the decision and reason to return when it matches.</summary>
    internal sealed record Rule(Permission Permission, DecisionKind Kind, string Reason);
}
