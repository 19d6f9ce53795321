using System.Text.RegularExpressions;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>The four built-in policies, and the reader for named host policies written in JSON.</summary>
public static partial class LevelPresets
{
    private static readonly string[] JsonKeys =
    [
        "name", "basedOn", "description", "requiresLandlock", "requiresSeccomp", "requiresNamespaces",
        "requiresSignature", "analysisMustMatchDeclarations", "allowDirectNetwork", "grantAll",
        "level", "limits", "timeouts", "allowed", "forbidden",
    ];

    /// <summary><c>unrestricted</c>: own process, no kernel confinement, everything declared granted and audited.</summary>
    public static LevelPreset Unrestricted { get; } = new()
    {
        Name = "unrestricted",
        Level = SecurityLevel.Unrestricted,
        Description = "Own process without kernel confinement; every declared permission is granted and audited. For trusted, signed plugins.",
        AllowDirectNetwork = true,
        GrantAll = true,
        RequiresSignature = true, // nothing confines it, so only a plugin signed by a trusted key runs this way
    };

    /// <summary><c>limited</c>: rlimits and a scrubbed environment; the broker checks permissions.</summary>
    public static LevelPreset Limited { get; } = new()
    {
        Name = "limited",
        Level = SecurityLevel.Limited,
        Description = "Own process with rlimits and a scrubbed environment; the broker checks permissions, but this is not a security boundary. For machines without Landlock.",
    };

    /// <summary><c>sandboxed</c> (the default): adds Landlock, seccomp and the watchdog.</summary>
    public static LevelPreset Sandboxed { get; } = new()
    {
        Name = "sandboxed",
        Level = SecurityLevel.Sandboxed,
        Description = "Adds Landlock, seccomp and the watchdog; only declared and granted permissions, kernel-enforced where possible. For third-party plugins.",
        RequiresLandlock = true,
        RequiresSeccomp = true,
    };

    /// <summary><c>strict</c>: adds namespaces, a required signature and analysis that must match declarations.</summary>
    public static LevelPreset Strict { get; } = new()
    {
        Name = "strict",
        Level = SecurityLevel.Strict,
        Description = "As sandboxed, plus user/pid/net/mount namespaces, a required signature, analysis findings that must match the declarations, and no direct network ever. For untrusted code.",
        RequiresLandlock = true,
        RequiresSeccomp = true,
        RequiresNamespaces = true,
        RequiresSignature = true,
        AnalysisMustMatchDeclarations = true,
    };

    /// <summary>The built-in presets, least confined first.</summary>
    public static IReadOnlyList<LevelPreset> All { get; } = [Unrestricted, Limited, Sandboxed, Strict];

    /// <summary>The built-in preset of <paramref name="level"/>.</summary>
    public static LevelPreset Get(SecurityLevel level) => level switch
    {
        SecurityLevel.Unrestricted => Unrestricted,
        SecurityLevel.Limited => Limited,
        SecurityLevel.Sandboxed => Sandboxed,
        SecurityLevel.Strict => Strict,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown security level."),
    };

    /// <summary>
    /// Reads a named host policy, e.g. <c>{"name": "corp-strict", "basedOn": "strict", "allowDirectNetwork": false}</c>.
    /// Unset flags are taken from the <c>basedOn</c> preset. Never throws on bad input; the host keeps the
    /// presets it reads (there is no global registry).
    /// </summary>
    /// <param name="json">The policy document.</param>
    /// <param name="fileName">Name used in diagnostics.</param>
    public static LevelPresetReadResult FromJson(string json, string fileName = "policy.json") => FromJson(json, fileName, PermissionCatalog.Default);

    /// <summary>
    /// Reads a named host policy: a level preset (<c>basedOn</c>, or its synonym <c>level</c>) plus flags, resource
    /// caps (<c>limits</c>, the manifest's <c>resources</c> keys), timeout caps (<c>timeouts</c>: init, call, hook),
    /// the most that may be granted (<c>allowed</c>) and what is never granted (<c>forbidden</c>), e.g.
    /// <c>{"name": "web-plugin", "basedOn": "sandboxed", "limits": {"memoryMb": 256}, "allowed": ["network:request=*.example.com:443"], "forbidden": ["subprocess:execute"]}</c>.
    /// Never throws on bad input: every problem is a diagnostic with its line, column and field.
    /// </summary>
    /// <param name="json">The policy document.</param>
    /// <param name="fileName">Name used in diagnostics.</param>
    /// <param name="catalog">The permission categories the host knows (its own categories included).</param>
    public static LevelPresetReadResult FromJson(string json, string fileName, PermissionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var sink = new DiagnosticSink(fileName ?? "policy.json");
        var root = new ManifestTreeLoader(sink).Load(json ?? string.Empty, ManifestFormat.Json);
        if (root is null)
        {
            return new LevelPresetReadResult(null, sink.Items);
        }

        if (root is not ManifestMapping map)
        {
            sink.Error(ManifestDiagnosticCodes.WrongType, $"a policy must be a JSON object, not {root.KindName}", "write {\"name\": \"my-policy\", \"basedOn\": \"sandboxed\", ...}", root, null);
            return new LevelPresetReadResult(null, sink.Items);
        }

        foreach (var (key, _) in map.Entries)
        {
            if (!JsonKeys.Contains(key.Value, StringComparer.Ordinal))
            {
                sink.Error(ManifestDiagnosticCodes.UnknownKey, $"unknown key '{key.Value}'.{Spelling.DidYouMean(key.Value, JsonKeys)}", $"known keys: {string.Join(", ", JsonKeys)}", key, key.Value);
            }
        }

        var name = RequiredText(map, "name", sink);
        string? basedOnText;
        if (map.Get("level") is { } levelNode && map.Get("basedOn") is null)
        {
            basedOnText = Text(levelNode, "level", sink);
        }
        else
        {
            if (map.Get("level") is { } both)
            {
                sink.Error(ManifestDiagnosticCodes.BadValue, "'level' and 'basedOn' say the same thing; give only one", "remove 'level' or 'basedOn'", both, "level");
            }

            basedOnText = RequiredText(map, "basedOn", sink);
        }

        if (name is not null && (!NamePattern().IsMatch(name) || SecurityLevelNames.All.Contains(name)))
        {
            sink.Error(ManifestDiagnosticCodes.BadValue, $"'{name}' cannot name a host policy", "use lowercase letters, digits and '-', and not a built-in level name", map.Get("name")!, "name");
        }

        SecurityLevel level = default;
        if (basedOnText is not null && !SecurityLevelNames.TryParse(basedOnText, out level))
        {
            sink.Error(ManifestDiagnosticCodes.BadValue, $"unknown level '{basedOnText}'.{Spelling.DidYouMean(basedOnText, SecurityLevelNames.All)}", $"use one of {string.Join(", ", SecurityLevelNames.All)}", (map.Get("basedOn") ?? map.Get("level"))!, map.Get("basedOn") is null ? "level" : "basedOn");
        }

        var description = map.Get("description") is { } d ? Text(d, "description", sink) : null;
        var basis = Get(level);
        var preset = basis with
        {
            Name = name ?? string.Empty,
            Description = description ?? $"Host policy based on {basis.Name}.",
            RequiresLandlock = Flag(map, "requiresLandlock", basis.RequiresLandlock, sink),
            RequiresSeccomp = Flag(map, "requiresSeccomp", basis.RequiresSeccomp, sink),
            RequiresNamespaces = Flag(map, "requiresNamespaces", basis.RequiresNamespaces, sink),
            RequiresSignature = Flag(map, "requiresSignature", basis.RequiresSignature, sink),
            AnalysisMustMatchDeclarations = Flag(map, "analysisMustMatchDeclarations", basis.AnalysisMustMatchDeclarations, sink),
            AllowDirectNetwork = Flag(map, "allowDirectNetwork", basis.AllowDirectNetwork, sink),
            GrantAll = Flag(map, "grantAll", basis.GrantAll, sink),
            ResourceCaps = Limits(map.Get("limits"), sink),
            TimeoutCaps = Timeouts(map.Get("timeouts"), sink),
            AllowedPermissions = map.Get("allowed") is { } allowed ? Permissions(allowed, "allowed", catalog, sink) : null,
            ForbiddenPermissions = map.Get("forbidden") is { } forbidden ? Permissions(forbidden, "forbidden", catalog, sink) : [],
        };

        // The kernel layers launched are the level's (basedOn); a flag that claimed otherwise would report a guarantee
        // nothing enforces (fail secure: refused, with the level that gives it).
        foreach (var (key, value, basisValue) in new[]
        {
            ("requiresLandlock", preset.RequiresLandlock, basis.RequiresLandlock),
            ("requiresSeccomp", preset.RequiresSeccomp, basis.RequiresSeccomp),
            ("requiresNamespaces", preset.RequiresNamespaces, basis.RequiresNamespaces),
            ("allowDirectNetwork", preset.AllowDirectNetwork, basis.AllowDirectNetwork),
        })
        {
            if (value != basisValue && basedOnText is not null && map.Get(key) is { } node)
            {
                var giving = All.FirstOrDefault(p => key switch
                {
                    "requiresLandlock" => p.RequiresLandlock == value,
                    "requiresSeccomp" => p.RequiresSeccomp == value,
                    "requiresNamespaces" => p.RequiresNamespaces == value,
                    _ => p.AllowDirectNetwork == value,
                });
                sink.Error(ManifestDiagnosticCodes.BadValue, $"'{key}' is {(basisValue ? "true" : "false")} at the level '{basis.Name}' this policy is based on, and a policy cannot change it: the kernel layers are the level's",
                    giving is null ? $"remove '{key}'" : $"remove '{key}', or set 'basedOn' to {giving.Name}", node, key);
            }
        }

        if (preset.GrantAll && preset.Level != SecurityLevel.Unrestricted && map.Get("grantAll") is { } grantAll)
        {
            sink.Error(ManifestDiagnosticCodes.BadValue, "'grantAll' is only allowed for a policy based on unrestricted", "remove 'grantAll' or set 'basedOn' to unrestricted", grantAll, "grantAll");
        }

        return new LevelPresetReadResult(preset, sink.Items);
    }

    private static ResourceLimits? Limits(ManifestNode? node, DiagnosticSink sink)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not ManifestMapping map)
        {
            sink.Error(ManifestDiagnosticCodes.WrongType, $"'limits' should be an object, not {node.KindName}", "write \"limits\": {\"memoryMb\": 256, \"cpuPercent\": 50}", node, "limits");
            return null;
        }

        var keys = ResourceLimitTable.All.Select(d => d.Key).ToArray();
        var caps = ResourceLimitTable.All.Aggregate(ResourceLimits.Default, (l, d) => d.Write(l, d.Maximum)) with { CpuTimeSeconds = null };
        foreach (var (key, value) in map.Entries)
        {
            var path = "limits." + key.Value;
            if (ResourceLimitTable.All.FirstOrDefault(d => d.Key == key.Value) is not { } definition)
            {
                sink.Error(ManifestDiagnosticCodes.UnknownKey, $"unknown limit '{path}'.{Spelling.DidYouMean(key.Value, keys)}", $"known limits: {string.Join(", ", keys)}", key, path);
                continue;
            }

            if (value is not ManifestScalar { IsPlain: true } scalar
                || !int.TryParse(scalar.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                sink.Error(ManifestDiagnosticCodes.WrongType, $"'{path}' should be a whole number of {definition.Unit}", $"e.g. \"{key.Value}\": {definition.Default ?? definition.Floor}", value, path);
                continue;
            }

            if (number < definition.HighestFloor)
            {
                sink.Error(ManifestDiagnosticCodes.ResourceBelowFloor, $"'{path}' is {number}, below the minimum of {definition.HighestFloor}", definition.FloorHint ?? $"use at least {definition.HighestFloor}", value, path);
            }
            else if (number > definition.Maximum)
            {
                sink.Error(ManifestDiagnosticCodes.ResourceAboveMaximum, $"'{path}' is {number}, above the maximum of {definition.Maximum}", $"use at most {definition.Maximum}", value, path);
            }
            else
            {
                caps = definition.Write(caps, number);
            }
        }

        return caps;
    }

    private static PluginTimeouts? Timeouts(ManifestNode? node, DiagnosticSink sink)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not ManifestMapping map)
        {
            sink.Error(ManifestDiagnosticCodes.WrongType, $"'timeouts' should be an object, not {node.KindName}", "write \"timeouts\": {\"call\": \"10s\"}", node, "timeouts");
            return null;
        }

        var caps = new PluginTimeouts(Durations.Maximum, Durations.Maximum, Durations.Maximum);
        foreach (var (key, value) in map.Entries)
        {
            var path = "timeouts." + key.Value;
            if (key.Value is not ("init" or "call" or "hook"))
            {
                sink.Error(ManifestDiagnosticCodes.UnknownKey, $"unknown timeout '{path}'.{Spelling.DidYouMean(key.Value, ["init", "call", "hook"])}", "known timeouts: init, call, hook", key, path);
                continue;
            }

            if (value is not ManifestScalar scalar || !Durations.TryParse(scalar.Value, out var duration) || duration <= TimeSpan.Zero)
            {
                sink.Error(ManifestDiagnosticCodes.BadDuration, $"'{path}' should be a duration such as \"10s\", \"500ms\" or \"2m\"", null, value, path);
                continue;
            }

            caps = key.Value switch
            {
                "init" => caps with { Init = duration },
                "call" => caps with { Call = duration },
                _ => caps with { Hook = duration },
            };
        }

        return caps;
    }

    private static Permission[] Permissions(ManifestNode node, string key, PermissionCatalog catalog, DiagnosticSink sink)
    {
        if (node is not ManifestSequence list)
        {
            sink.Error(ManifestDiagnosticCodes.WrongType, $"'{key}' should be a list of permissions, not {node.KindName}", $"write \"{key}\": [\"network:request=*.example.com:443\"]", node, key);
            return [];
        }

        var permissions = new List<Permission>();
        catalog = catalog.WithoutRequiredScopes(); // "subprocess:execute" alone: any program
        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i];
            var path = $"{key}[{i}]";
            if (item is not ManifestScalar { IsPlain: false } scalar)
            {
                sink.Error(ManifestDiagnosticCodes.WrongType, $"'{path}' should be a permission in quotes, e.g. \"file:read=$PLUGIN_DATA/**\"", null, item, path);
                continue;
            }

            if (!Permission.TryParse(scalar.Value, catalog, out var permission, out var error))
            {
                sink.Error(ManifestDiagnosticCodes.UnknownPermission, $"'{path}': {error}", null, item, path);
                continue;
            }

            permissions.Add(permission);
        }

        return [.. permissions];
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    private static string? RequiredText(ManifestMapping map, string key, DiagnosticSink sink)
    {
        if (map.Get(key) is not { } node)
        {
            sink.Error(ManifestDiagnosticCodes.MissingKey, $"missing required key '{key}'", key == "name" ? "add \"name\": \"my-policy\"" : "add \"basedOn\": \"sandboxed\"", map, key);
            return null;
        }

        return Text(node, key, sink);
    }

    private static string? Text(ManifestNode node, string key, DiagnosticSink sink)
    {
        if (node is ManifestScalar { IsPlain: false } scalar)
        {
            return scalar.Value;
        }

        sink.Error(ManifestDiagnosticCodes.WrongType, $"'{key}' should be a string", null, node, key);
        return null;
    }

    private static bool Flag(ManifestMapping map, string key, bool fallback, DiagnosticSink sink)
    {
        if (map.Get(key) is not { } node)
        {
            return fallback;
        }

        if (node is ManifestScalar { IsPlain: true, Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        sink.Error(ManifestDiagnosticCodes.WrongType, $"'{key}' should be true or false", null, node, key);
        return fallback;
    }
}
