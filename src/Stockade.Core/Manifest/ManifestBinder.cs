using System.Globalization;
using System.Text.RegularExpressions;
using NuGet.Versioning;
using Stockade.Core.Permissions;

namespace Stockade.Core.Manifest;

/// <summary>Turns a loaded document into a <see cref="PluginManifest"/>, reporting every problem with its position.</summary>
internal sealed partial class ManifestBinder(DiagnosticSink sink, PermissionCatalog catalog)
{
    public PluginManifest? Bind(ManifestNode root)
    {
        if (root is not ManifestMapping map)
        {
            sink.Error(ManifestDiagnosticCodes.WrongType, $"the manifest must be a mapping of keys to values, not {root.KindName}", "start with lines such as 'id: com.example.plugin'", root, null);
            return null;
        }

        CheckKeys(map, string.Empty, ManifestKeys.Root);
        foreach (var key in ManifestKeys.Required)
        {
            if (map.Get(key) is null or ManifestScalar { IsNull: true })
            {
                sink.Error(ManifestDiagnosticCodes.MissingKey, $"missing required key '{key}'", $"add '{key}: {ExampleFor(key)}'", map, key);
            }
        }

        var id = BindId(map.Get("id"), "id");
        var name = BindName(map.Get("name"));
        var version = BindSemVer(map.Get("version"), "version");
        var runtime = BindRuntime(map.Get("runtime"));
        var entry = BindEntry(map.Get("entry"), runtime);
        var entryType = Text(map.Get("entryType"), "entryType");
        var interpreter = BindInterpreter(map.Get("interpreter"));
        WarnIfIgnored(map, "entryType", runtime, PluginRuntime.Dotnet);
        WarnIfIgnored(map, "interpreter", runtime, PluginRuntime.Process);

        var manifest = new PluginManifest
        {
            Id = id ?? string.Empty,
            Name = name ?? string.Empty,
            Version = version?.ToNormalizedString() ?? string.Empty,
            Description = Text(map.Get("description"), "description"),
            Publisher = Text(map.Get("publisher"), "publisher"),
            Runtime = runtime ?? PluginRuntime.Dotnet,
            Entry = entry ?? string.Empty,
            // What the warnings above call ignored is dropped here, not carried to the launch: a native plugin that names
            // an interpreter would otherwise run it (found by an attacker's pass: bash started as a "native" plugin).
            EntryType = runtime is null or PluginRuntime.Dotnet ? entryType : null,
            Interpreter = runtime is null or PluginRuntime.Process ? interpreter : null,
            Category = Text(map.Get("category"), "category"),
            Timeouts = BindTimeouts(map.Get("timeouts"), out var timeoutKeys),
            TimeoutKeys = timeoutKeys,
            Permissions = BindPermissions(map.Get("permissions")),
            Resources = BindResources(map.Get("resources"), runtime ?? PluginRuntime.Dotnet, out var resourceKeys),
            ResourceKeys = resourceKeys,
            Restart = BindRestart(map.Get("restart")),
            RateLimits = BindRateLimits(map.Get("rateLimits")),
            Provides = BindList(map.Get("provides"), "provides", BindProvided),
            Requires = BindList(map.Get("requires"), "requires", (n, p) => BindDependency(n, p, ManifestKeys.Requires, requireRange: true) is { } d ? new PluginRequirement(d.Id, d.Range ?? VersionRange.All) : null),
            Conflicts = BindList(map.Get("conflicts"), "conflicts", (n, p) => BindDependency(n, p, ManifestKeys.Conflicts, requireRange: false) is { } d ? new PluginConflict(d.Id, d.Range) : null),
            Exclusive = BindList(map.Get("exclusive"), "exclusive", (n, p) => BindSimpleName(n, p, "resource")),
            Hooks = BindList(map.Get("hooks"), "hooks", (n, p) => BindSimpleName(n, p, "hook")),
            Prewarm = BindPrewarm(map.Get("prewarm")),
        };

        return manifest;
    }

    private static string ExampleFor(string key) => key switch
    {
        "id" => "com.example.myplugin",
        "name" => "My Plugin",
        "version" => "1.0.0",
        "runtime" => "dotnet",
        _ => "MyPlugin.dll",
    };

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ApiPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SimpleNamePattern();

    private void CheckKeys(ManifestMapping map, string path, string[] allowed)
    {
        foreach (var entry in map.Entries)
        {
            var key = entry.Key.Value;
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                var where = path.Length == 0 ? string.Empty : $" in '{path}'";
                sink.Error(
                    ManifestDiagnosticCodes.UnknownKey,
                    $"unknown key '{key}'{where}.{Spelling.DidYouMean(key, allowed)}",
                    $"known keys here: {string.Join(", ", allowed)}",
                    entry.Key,
                    Join(path, key));
            }
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private string? Text(ManifestNode? node, string path, bool refuseControl = true)
    {
        switch (node)
        {
            case null:
            case ManifestScalar { IsNull: true }:
                return null;
            case ManifestScalar scalar:
                // Control characters could rewrite a reviewer's terminal; permission texts report them with their own code.
                if (refuseControl && scalar.Value.Any(c => char.IsControl(c) && c is not ('\n' or '\t' or '\r')))
                {
                    sink.Error(ManifestDiagnosticCodes.BadValue, $"'{path}' contains a control character", "remove it", scalar, path);
                    return null;
                }

                return scalar.Value;
            default:
                sink.Error(ManifestDiagnosticCodes.WrongType, $"'{path}' should be a text value, not {node.KindName}", null, node, path);
                return null;
        }
    }

    private ManifestMapping? Mapping(ManifestNode? node, string path)
    {
        switch (node)
        {
            case null:
            case ManifestScalar { IsNull: true }:
                return null;
            case ManifestMapping map:
                return map;
            default:
                sink.Error(ManifestDiagnosticCodes.WrongType, $"'{path}' should be a mapping of keys to values, not {node.KindName}", "indent its keys below it, one per line", node, path);
                return null;
        }
    }

    private ManifestSequence? Sequence(ManifestNode? node, string path)
    {
        switch (node)
        {
            case null:
            case ManifestScalar { IsNull: true }:
                return null;
            case ManifestSequence sequence:
                return sequence;
            default:
                sink.Error(ManifestDiagnosticCodes.WrongType, $"'{path}' should be a list, not {node.KindName}", "write each item on its own line starting with '- '", node, path);
                return null;
        }
    }

    private int? Integer(ManifestNode? node, string path)
    {
        if (node is null or ManifestScalar { IsNull: true })
        {
            return null;
        }

        if (node is ManifestScalar scalar && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        sink.Error(ManifestDiagnosticCodes.WrongType, $"'{path}' should be a whole number, not {(node is ManifestScalar s ? $"'{s.Value}'" : node.KindName)}", null, node, path);
        return null;
    }

    private string? BindId(ManifestNode? node, string path)
    {
        var id = Text(node, path);
        if (id is null || node is null)
        {
            return null;
        }

        if (!IdPattern().IsMatch(id) || id.Contains("..", StringComparison.Ordinal) || id.EndsWith('.'))
        {
            sink.Error(ManifestDiagnosticCodes.BadId, $"'{id}' is not a valid plugin id", "use 2 to 64 lowercase letters, digits, '.' and '-', starting with a letter or digit, without '..', e.g. com.example.clipboard", node, path);
            return null;
        }

        return id;
    }

    private string? BindName(ManifestNode? node)
    {
        var name = Text(node, "name");
        if (name is null || node is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            sink.Error(ManifestDiagnosticCodes.BadValue, $"the name must have 1 to 100 characters (it has {name.Trim().Length})", "give the plugin a short human-readable name", node, "name");
            return null;
        }

        return name;
    }

    private SemanticVersion? BindSemVer(ManifestNode? node, string path)
    {
        var text = Text(node, path);
        if (text is null || node is null)
        {
            return null;
        }

        if (!SemanticVersion.TryParse(text, out var version))
        {
            sink.Error(ManifestDiagnosticCodes.BadVersion, $"'{text}' is not a SemVer 2 version", "write MAJOR.MINOR.PATCH with an optional -prerelease and +build, e.g. 1.2.0 or 2.0.0-beta.1 (quote it in YAML)", node, path);
            return null;
        }

        return version;
    }

    private PluginRuntime? BindRuntime(ManifestNode? node)
    {
        var text = Text(node, "runtime");
        if (text is null || node is null)
        {
            return null;
        }

        switch (text)
        {
            case "dotnet":
                return PluginRuntime.Dotnet;
            case "process":
                return PluginRuntime.Process;
            case "native":
                return PluginRuntime.Native;
            default:
                sink.Error(ManifestDiagnosticCodes.UnknownRuntime, $"unknown runtime '{text}'.{Spelling.DidYouMean(text, ["dotnet", "process", "native"])}", "use 'dotnet' for a .NET assembly, 'native' for a .NET plugin published with NativeAOT, or 'process' for an executable or script", node, "runtime");
                return null;
        }
    }

    private string? BindEntry(ManifestNode? node, PluginRuntime? runtime)
    {
        var entry = Text(node, "entry");
        if (entry is null || node is null)
        {
            return null;
        }

        if (entry.Length == 0 || entry[0] == '/' || entry.Contains('\\', StringComparison.Ordinal) || entry.Any(char.IsControl))
        {
            sink.Error(ManifestDiagnosticCodes.BadEntry, $"entry '{entry}' must be a relative path inside the plugin folder", "write it relative to the folder holding the manifest, with '/' separators, e.g. bin/MyPlugin.dll", node, "entry");
            return null;
        }

        var depth = 0;
        foreach (var segment in entry.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            depth += segment switch { ".." => -1, "." => 0, _ => 1 };
            if (depth < 0)
            {
                sink.Error(ManifestDiagnosticCodes.BadEntry, $"entry '{entry}' climbs out of the plugin folder with '..'", "ship the file inside the plugin folder and point at it from there", node, "entry");
                return null;
            }
        }

        if (depth == 0)
        {
            sink.Error(ManifestDiagnosticCodes.BadEntry, $"entry '{entry}' names the plugin folder itself, not a file", "point at the plugin's .dll or executable", node, "entry");
            return null;
        }

        if (runtime == PluginRuntime.Dotnet && !entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            sink.Error(ManifestDiagnosticCodes.BadEntry, $"entry '{entry}' is not a .dll, but runtime is dotnet", "point at the plugin assembly (e.g. MyPlugin.dll) or set 'runtime: process' for an executable", node, "entry");
            return null;
        }

        if (runtime == PluginRuntime.Native && entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            sink.Error(ManifestDiagnosticCodes.BadEntry, $"entry '{entry}' is a .dll, but runtime native runs an executable compiled ahead of time",
                "point at the file `dotnet publish -p:PublishAot=true` wrote (e.g. bin/myplugin), or set 'runtime: dotnet' to run the .dll in the worker", node, "entry");
            return null;
        }

        return entry;
    }

    private string? BindInterpreter(ManifestNode? node)
    {
        var text = Text(node, "interpreter");
        if (text is null || node is null)
        {
            return null;
        }

        if (text.Length == 0 || text[0] != '/' || text.Split('/').Any(s => s is ".." or ".") || text.Any(char.IsWhiteSpace))
        {
            sink.Error(ManifestDiagnosticCodes.BadInterpreter, $"interpreter '{text}' is not an absolute path", "name the interpreter by its absolute path, e.g. /usr/bin/python3; PATH lookup is not done inside the sandbox", node, "interpreter");
            return null;
        }

        return text;
    }

    private void WarnIfIgnored(ManifestMapping map, string key, PluginRuntime? runtime, PluginRuntime appliesTo)
    {
        if (runtime is { } actual && actual != appliesTo && map.Entries.FirstOrDefault(e => e.Key.Value == key) is { Key: not null } entry)
        {
            var runtimeName = appliesTo switch { PluginRuntime.Dotnet => "dotnet", PluginRuntime.Native => "native", _ => "process" };
            sink.Warning(ManifestDiagnosticCodes.IgnoredForRuntime, $"'{key}' only applies to runtime '{runtimeName}' and is ignored here", $"remove '{key}' or change the runtime", entry.Key, key);
        }
    }

    private PluginTimeouts BindTimeouts(ManifestNode? node, out IReadOnlyList<string> given)
    {
        given = [];
        var map = Mapping(node, "timeouts");
        if (map is null)
        {
            return PluginTimeouts.Default;
        }

        CheckKeys(map, "timeouts", ManifestKeys.Timeouts);
        var defaults = PluginTimeouts.Default;
        var keys = new List<string>();
        var timeouts = new PluginTimeouts(
            Given("init", Duration(map.Get("init"), "timeouts.init")) ?? defaults.Init,
            Given("call", Duration(map.Get("call"), "timeouts.call")) ?? defaults.Call,
            Given("hook", Duration(map.Get("hook"), "timeouts.hook")) ?? defaults.Hook);
        given = keys;
        return timeouts;

        TimeSpan? Given(string key, TimeSpan? value)
        {
            if (value is not null)
            {
                keys.Add(key);
            }

            return value;
        }
    }

    private RestartRequest? BindRestart(ManifestNode? node)
    {
        var map = Mapping(node, "restart");
        if (map is null)
        {
            return null;
        }

        CheckKeys(map, "restart", ManifestKeys.Restart);
        var maxNode = map.Get("maxRestarts");
        var max = Integer(maxNode, "restart.maxRestarts");
        if (max is < 0 or > RestartPolicy.MaxRestartsCeiling)
        {
            sink.Error(ManifestDiagnosticCodes.BadRestart, $"'restart.maxRestarts' is {max}; it must be between 0 and {RestartPolicy.MaxRestartsCeiling}", "give how many restarts within the window are allowed before the plugin is disabled, e.g. 3 (0 disables it at its first crash)", maxNode!, "restart.maxRestarts");
            max = null;
        }

        var windowNode = map.Get("window");
        var window = Duration(windowNode, "restart.window");
        if (window is { } w && w < RestartPolicy.MinWindow)
        {
            sink.Error(ManifestDiagnosticCodes.BadRestart, $"'restart.window' is shorter than 1 second", "restarts are counted within this window; write e.g. 5m or 1h", windowNode!, "restart.window");
            window = null;
        }

        var limitsNode = map.Get("limits");
        RestartLimits? limits = null;
        if (Text(limitsNode, "restart.limits") is { } limitsText)
        {
            switch (limitsText)
            {
                case "same":
                    limits = RestartLimits.Same;
                    break;
                case "stricter":
                    limits = RestartLimits.Stricter;
                    break;
                default:
                    sink.Error(ManifestDiagnosticCodes.BadRestart, $"'restart.limits' is '{limitsText}'.{Spelling.DidYouMean(limitsText, ["same", "stricter"])}", "write 'same' (restart under the same limits) or 'stricter' (after a resource kill, multiply the limits by 'factor')", limitsNode!, "restart.limits");
                    break;
            }
        }

        var factorNode = map.Get("factor");
        double? factor = null;
        if (factorNode is ManifestScalar { IsNull: false } factorScalar)
        {
            if (!double.TryParse(factorScalar.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < RestartPolicy.MinFactor || value > RestartPolicy.MaxFactor)
            {
                sink.Error(ManifestDiagnosticCodes.BadRestart, $"'restart.factor' is '{factorScalar.Value}'; it must be a number from {RestartPolicy.MinFactor.ToString(CultureInfo.InvariantCulture)} to {RestartPolicy.MaxFactor.ToString(CultureInfo.InvariantCulture)}", "each restart after a resource kill multiplies the limits by it, e.g. 0.5 halves them (never below the safe minimums)", factorNode, "restart.factor");
            }
            else if (limits != RestartLimits.Stricter)
            {
                sink.Error(ManifestDiagnosticCodes.BadRestart, "'restart.factor' is given but 'restart.limits' is not 'stricter'", "add 'limits: stricter' to use the factor, or remove 'factor'", factorNode, "restart.factor");
            }
            else
            {
                factor = value;
            }
        }
        else if (factorNode is not null and not ManifestScalar)
        {
            sink.Error(ManifestDiagnosticCodes.WrongType, $"'restart.factor' should be a number, not {factorNode.KindName}", null, factorNode, "restart.factor");
        }

        return new RestartRequest { MaxRestarts = max, Window = window, Limits = limits, Factor = factor };
    }

    private TimeSpan? Duration(ManifestNode? node, string path)
    {
        var text = Text(node, path);
        if (text is null || node is null)
        {
            return null;
        }

        if (!Durations.TryParse(text, out var value))
        {
            sink.Error(ManifestDiagnosticCodes.BadDuration, $"'{text}' is not a duration", "write a number with a unit, e.g. 500ms, 30s, 5m, 1h, or a plain number of seconds", node, path);
            return null;
        }

        if (value <= TimeSpan.Zero || value > Durations.Maximum)
        {
            sink.Error(ManifestDiagnosticCodes.BadDuration, $"'{text}' is out of range for '{path}'", "use a duration above zero and at most 24h", node, path);
            return null;
        }

        return value;
    }

    private ManifestPermissions BindPermissions(ManifestNode? node)
    {
        var map = Mapping(node, "permissions");
        if (map is null)
        {
            return ManifestPermissions.None;
        }

        CheckKeys(map, "permissions", ManifestKeys.Permissions);
        var required = BindPermissionList(map.Get("required"), "permissions.required");
        var optional = BindPermissionList(map.Get("optional"), "permissions.optional");
        var requiredSet = required.Select(r => r.Request.Permission).ToHashSet();
        foreach (var (request, at) in optional)
        {
            if (requiredSet.Contains(request.Permission))
            {
                sink.Warning(ManifestDiagnosticCodes.RequiredAndOptional, $"'{request.Permission}' is both required and optional", "keep it in one list: required if the plugin cannot work without it, optional otherwise", at, "permissions.optional");
            }
        }

        return new ManifestPermissions(required.Select(r => r.Request).ToArray(), optional.Select(r => r.Request).ToArray());
    }

    private List<(PermissionRequest Request, ManifestNode At)> BindPermissionList(ManifestNode? node, string path)
    {
        var result = new List<(PermissionRequest, ManifestNode)>();
        var sequence = Sequence(node, path);
        if (sequence is null)
        {
            return result;
        }

        var seen = new HashSet<Permission>();
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var item = sequence.Items[i];
            ManifestNode? textNode = item;
            string? reason = null;
            if (item is ManifestMapping entry)
            {
                CheckKeys(entry, itemPath, ManifestKeys.PermissionEntry);
                textNode = entry.Get("permission");
                reason = Text(entry.Get("reason"), itemPath + ".reason");
                if (textNode is null)
                {
                    sink.Error(ManifestDiagnosticCodes.MissingKey, "missing required key 'permission'", "write e.g. '- permission: file:read=$PLUGIN_DATA/**' with an optional 'reason:' below it", entry, itemPath);
                    continue;
                }
            }

            var text = Text(textNode, itemPath, refuseControl: false);
            if (text is null || textNode is null)
            {
                continue;
            }

            if (!PermissionParser.TryParse(text, catalog, out var permission, out var kind, out var error))
            {
                var code = kind is PermissionErrorKind.UnknownCategory or PermissionErrorKind.UnknownAction
                    ? ManifestDiagnosticCodes.UnknownPermission
                    : ManifestDiagnosticCodes.BadScope;
                var hint = kind == PermissionErrorKind.UnknownCategory
                    ? "an application's own categories (e.g. inventory:read) are known on the home of the application that defines them: start it once on that home (it records them), then use that home (--home DIR or STOCKADE_HOME); built-in categories: file, network, subprocess, env, hook, config, database"
                    : "permissions are written category:action[=scope], e.g. file:read=$PLUGIN_DATA/** or network:request=api.example.com:443";
                sink.Error(code, error!, hint, textNode, itemPath);
                continue;
            }

            if (!seen.Add(permission))
            {
                sink.Warning(ManifestDiagnosticCodes.DuplicatePermission, $"'{permission}' is declared twice in '{path}'", "remove the repeated entry", textNode, itemPath);
                continue;
            }

            WarnIfBroad(permission, textNode, itemPath);
            result.Add((new PermissionRequest(permission, reason), textNode));
        }

        return result;
    }

    private void WarnIfBroad(Permission permission, ManifestNode at, string path)
    {
        var broad = permission.HostPattern is { IsBroad: true }
            || permission.PathScope is { IsResolved: true, Path: "/", Glob: not PathGlob.None }
            || permission.EnvScope is { IsPrefix: true, Name.Length: 0 };
        if (broad)
        {
            sink.Warning(ManifestDiagnosticCodes.BroadPermission, $"'{permission}' is very broad", "narrow the scope to what the plugin needs; reviewers and strict hosts may refuse it", at, path);
        }
    }

    private ResourceLimits BindResources(ManifestNode? node, PluginRuntime runtime, out IReadOnlyList<string> given)
    {
        given = [];
        var map = Mapping(node, "resources");
        if (map is null)
        {
            return ResourceLimits.Default;
        }

        CheckKeys(map, "resources", ManifestKeys.Resources);
        var keys = new List<string>();
        given = keys;
        var limits = ResourceLimits.Default;
        foreach (var limit in ResourceLimitTable.All)
        {
            var (key, floor, maximum, floorHint) = (limit.Key, limit.FloorFor(runtime), limit.Maximum, limit.FloorHint);
            var path = "resources." + key;
            var valueNode = map.Get(key);
            if (Integer(valueNode, path) is not { } value || valueNode is null)
            {
                continue;
            }

            if (value < floor)
            {
                var forRuntime = floor > limit.Floor ? " for runtime dotnet" : string.Empty;
                sink.Error(ManifestDiagnosticCodes.ResourceBelowFloor, $"'{path}' is {value}, below the minimum of {floor}{forRuntime}", floorHint ?? $"use at least {floor}", valueNode, path);
            }
            else if (value > maximum)
            {
                sink.Error(ManifestDiagnosticCodes.ResourceAboveMaximum, $"'{path}' is {value}, above the maximum of {maximum}", $"use at most {maximum}; a host may lower it further, never raise it", valueNode, path);
            }
            else
            {
                limits = limit.Write(limits, value);
                keys.Add(key);
            }
        }

        return limits;
    }

    private List<RateLimitRule> BindRateLimits(ManifestNode? node)
    {
        var result = new List<RateLimitRule>();
        var map = Mapping(node, "rateLimits");
        if (map is null)
        {
            return result;
        }

        foreach (var (keyNode, valueNode) in map.Entries)
        {
            var path = "rateLimits." + keyNode.Value;
            if (!TryRateLimitKey(keyNode.Value, out var keyError))
            {
                sink.Error(ManifestDiagnosticCodes.BadRateLimit, keyError, "key a rate limit by category:action, category:* or *, e.g. \"network:request\" or \"host:*\"", keyNode, path);
                continue;
            }

            var text = Text(valueNode, path);
            if (text is null)
            {
                continue;
            }

            if (!TryRate(text, out var limit, out var period))
            {
                sink.Error(ManifestDiagnosticCodes.BadRateLimit, $"'{text}' is not a rate", "write calls per period, e.g. \"10/s\", \"100/min\", \"1000/h\" or \"5/30s\"", valueNode, path);
                continue;
            }

            result.Add(new RateLimitRule(keyNode.Value, limit, period));
        }

        return result;
    }

    private bool TryRateLimitKey(string key, out string error)
    {
        error = string.Empty;
        if (key == "*")
        {
            return true;
        }

        var colon = key.IndexOf(':', StringComparison.Ordinal);
        var categoryName = colon < 0 ? key : key[..colon];
        var action = colon < 0 ? null : key[(colon + 1)..];
        if (action is null || !PermissionParser.IsIdentifier(categoryName) || (action != "*" && !PermissionParser.IsIdentifier(action)))
        {
            error = $"rate limit key '{key}' is not category:action, category:* or *";
            return false;
        }

        if (categoryName == "host")
        {
            return true;
        }

        if (!catalog.TryGetCategory(categoryName, out var category))
        {
            error = $"rate limit key '{key}' names an unknown category '{categoryName}'.{Spelling.DidYouMean(categoryName, catalog.Categories.Select(c => c.Name).Append("host"))}";
            return false;
        }

        if (action != "*" && !category.HasAction(action))
        {
            error = $"rate limit key '{key}' names an unknown action '{action}'.{Spelling.DidYouMean(action, category.Actions)}";
            return false;
        }

        return true;
    }

    private static bool TryRate(string text, out int limit, out TimeSpan period)
    {
        period = default;
        limit = 0;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !int.TryParse(text.AsSpan(0, slash).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1)
        {
            return false;
        }

        var unit = text[(slash + 1)..].Trim();
        period = unit switch
        {
            "s" or "sec" or "second" => TimeSpan.FromSeconds(1),
            "m" or "min" or "minute" => TimeSpan.FromMinutes(1),
            "h" or "hour" => TimeSpan.FromHours(1),
            "d" or "day" => TimeSpan.FromDays(1),
            _ => Durations.TryParse(unit, out var custom) && unit.Length > 0 && char.IsAsciiDigit(unit[0]) && custom > TimeSpan.Zero && custom <= Durations.Maximum ? custom : TimeSpan.Zero,
        };
        return period > TimeSpan.Zero;
    }

    private List<T> BindList<T>(ManifestNode? node, string path, Func<ManifestNode, string, T?> bindItem)
        where T : class
    {
        var result = new List<T>();
        var sequence = Sequence(node, path);
        if (sequence is null)
        {
            return result;
        }

        for (var i = 0; i < sequence.Items.Count; i++)
        {
            if (bindItem(sequence.Items[i], $"{path}[{i}]") is { } item)
            {
                result.Add(item);
            }
        }

        return result;
    }

    private ProvidedApi? BindProvided(ManifestNode node, string path)
    {
        ManifestNode? apiNode = node;
        ManifestNode? versionNode;
        string? api;
        string? versionText;
        if (node is ManifestMapping map)
        {
            CheckKeys(map, path, ManifestKeys.Provides);
            apiNode = map.Get("api");
            versionNode = map.Get("version");
            api = Text(apiNode, path + ".api");
            versionText = Text(versionNode, path + ".version");
            if (apiNode is null || versionNode is null)
            {
                sink.Error(ManifestDiagnosticCodes.MissingKey, $"missing required key '{(apiNode is null ? "api" : "version")}'", "write e.g. '- api: clipboard.history' and 'version: 1.2.0'", map, path);
                return null;
            }
        }
        else
        {
            var text = Text(node, path);
            if (text is null)
            {
                return null;
            }

            var at = text.IndexOf('@', StringComparison.Ordinal);
            if (at < 0)
            {
                sink.Error(ManifestDiagnosticCodes.BadValue, $"'{text}' has no version", "write api@version, e.g. clipboard.history@1.2.0", node, path);
                return null;
            }

            (api, versionText, versionNode) = (text[..at], text[(at + 1)..], node);
        }

        if (api is null || versionText is null)
        {
            return null;
        }

        if (!ApiPattern().IsMatch(api))
        {
            sink.Error(ManifestDiagnosticCodes.BadValue, $"'{api}' is not a valid API name", "use lowercase letters, digits, '.', '_' and '-', e.g. clipboard.history", apiNode ?? node, path);
            return null;
        }

        if (!SemanticVersion.TryParse(versionText, out var version))
        {
            sink.Error(ManifestDiagnosticCodes.BadVersion, $"'{versionText}' is not a SemVer 2 version", "write MAJOR.MINOR.PATCH, e.g. 1.2.0", versionNode, path);
            return null;
        }

        return new ProvidedApi(api, version);
    }

    private (string Id, VersionRange? Range)? BindDependency(ManifestNode node, string path, string[] keys, bool requireRange)
    {
        ManifestNode? idNode = node;
        ManifestNode? rangeNode = null;
        string? id;
        string? rangeText = null;
        if (node is ManifestMapping map)
        {
            CheckKeys(map, path, keys);
            idNode = map.Get("id");
            rangeNode = map.Get("range");
            if (idNode is null)
            {
                sink.Error(ManifestDiagnosticCodes.MissingKey, "missing required key 'id'", "write e.g. '- id: com.example.base' and 'range: \">=1.0 <2.0\"'", map, path);
                return null;
            }

            id = BindId(idNode, path + ".id");
            rangeText = Text(rangeNode, path + ".range");
        }
        else
        {
            var text = Text(node, path);
            if (text is null)
            {
                return null;
            }

            var at = text.IndexOf('@', StringComparison.Ordinal);
            id = at < 0 ? text : text[..at];
            rangeText = at < 0 ? null : text[(at + 1)..];
            rangeNode = node;
            if (!IdPattern().IsMatch(id))
            {
                sink.Error(ManifestDiagnosticCodes.BadId, $"'{id}' is not a valid plugin id", "use the other plugin's id, e.g. com.example.base, optionally followed by @range", node, path);
                return null;
            }
        }

        if (id is null)
        {
            return null;
        }

        if (rangeText is null)
        {
            return (id, requireRange ? VersionRange.All : null);
        }

        if (!VersionRangeGrammar.TryParse(rangeText, out var range, out var error))
        {
            sink.Error(ManifestDiagnosticCodes.BadVersionRange, error, "write a NuGet range such as [1.0,2.0) or a SemVer range such as >=1.0 <2.0 or ^1.2", rangeNode ?? node, path);
            return null;
        }

        return (id, range);
    }

    private string? BindSimpleName(ManifestNode node, string path, string what)
    {
        var text = Text(node, path);
        if (text is null)
        {
            return null;
        }

        if (!SimpleNamePattern().IsMatch(text))
        {
            sink.Error(ManifestDiagnosticCodes.BadValue, $"'{text}' is not a valid {what} name", "use letters, digits, '.', '_', '-' and '/', starting with a letter or digit", node, path);
            return null;
        }

        return text;
    }

    private int BindPrewarm(ManifestNode? node)
    {
        if (Integer(node, "prewarm") is not { } value || node is null)
        {
            return 0;
        }

        if (value is < 0 or > 8)
        {
            sink.Error(ManifestDiagnosticCodes.BadValue, $"'prewarm' is {value}; it must be between 0 and 8", "prewarm starts that many idle workers ahead of demand; 0 or 1 suits most plugins", node, "prewarm");
            return 0;
        }

        return value;
    }
}
