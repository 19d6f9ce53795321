namespace Stockade.Core.Manifest;

/// <summary>A validated plugin manifest (<c>plugin.yaml</c> or <c>plugin.json</c>); obtained from <see cref="ManifestReader"/>.</summary>
public sealed record PluginManifest
{
    /// <summary>Reverse-DNS-like id, <c>[a-z0-9][a-z0-9.-]{1,63}</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Human-readable name.</summary>
    public required string Name { get; init; }

    /// <summary>SemVer 2 version string.</summary>
    public required string Version { get; init; }

    /// <summary>What the plugin does.</summary>
    public string? Description { get; init; }

    /// <summary>Who publishes it.</summary>
    public string? Publisher { get; init; }

    /// <summary>How the plugin is started.</summary>
    public required PluginRuntime Runtime { get; init; }

    /// <summary>Relative path inside the plugin folder: the .dll (dotnet) or the executable or script (process).</summary>
    public required string Entry { get; init; }

    /// <summary>Full name of the type implementing <c>IPlugin</c> (dotnet only); null to let the worker find it.</summary>
    public string? EntryType { get; init; }

    /// <summary>Absolute path of the interpreter for a script (process only), e.g. <c>/usr/bin/python3</c>.</summary>
    public string? Interpreter { get; init; }

    /// <summary>Free-form category for listings.</summary>
    public string? Category { get; init; }

    /// <summary>Wall-clock limits.</summary>
    public PluginTimeouts Timeouts { get; init; } = PluginTimeouts.Default;

    /// <summary>Declared permissions.</summary>
    public ManifestPermissions Permissions { get; init; } = ManifestPermissions.None;

    /// <summary>Requested resource limits; a key the manifest leaves out has its design default here (see <see cref="ResourceKeys"/>).</summary>
    public ResourceLimits Resources { get; init; } = ResourceLimits.Default;

    /// <summary>
    /// The <c>resources</c> keys the manifest gives (e.g. <c>memoryMb</c>); every other limit takes the host's default
    /// (<see cref="HostLimits.Resolve"/>).
    /// </summary>
    public IReadOnlyList<string> ResourceKeys { get; init; } = [];

    /// <summary>The <c>timeouts</c> keys the manifest gives (<c>init</c>, <c>call</c>, <c>hook</c>); the others take the host's defaults.</summary>
    public IReadOnlyList<string> TimeoutKeys { get; init; } = [];

    /// <summary>What the manifest asks of its restart policy (<c>restart:</c>); null leaves the host's policy as it is.</summary>
    public RestartRequest? Restart { get; init; }

    /// <summary>Rate limits on brokered calls.</summary>
    public IReadOnlyList<RateLimitRule> RateLimits { get; init; } = [];

    /// <summary>APIs this plugin offers.</summary>
    public IReadOnlyList<ProvidedApi> Provides { get; init; } = [];

    /// <summary>Plugins this one needs.</summary>
    public IReadOnlyList<PluginRequirement> Requires { get; init; } = [];

    /// <summary>Plugins this one cannot run beside.</summary>
    public IReadOnlyList<PluginConflict> Conflicts { get; init; } = [];

    /// <summary>Named resources only one loaded plugin may hold.</summary>
    public IReadOnlyList<string> Exclusive { get; init; } = [];

    /// <summary>Hooks the plugin handles.</summary>
    public IReadOnlyList<string> Hooks { get; init; } = [];

    /// <summary>Workers to start ahead of demand, 0 to 8.</summary>
    public int Prewarm { get; init; }
}
