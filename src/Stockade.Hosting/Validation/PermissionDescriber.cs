using Stockade.Core.Permissions;

namespace Stockade.Hosting.Validation;

/// <summary>Says what a permission allows in plain words, for review before granting.</summary>
public static class PermissionDescriber
{
    /// <summary>
    /// Describes <paramref name="permission"/>: "read files under /srv/photos", "send HTTP requests to
    /// api.example.com (port 443)", "read the environment variable LANG".
    /// </summary>
    public static string Describe(Permission permission)
    {
        ArgumentNullException.ThrowIfNull(permission);
        var scope = permission.Scope;
        return (permission.Category, permission.Action) switch
        {
            ("file", "read") => $"read {Files(permission)}",
            ("file", "write") => $"read, create and change {Files(permission)}",
            ("file", "delete") => $"delete {Files(permission)}",
            ("network", _) => $"send HTTP requests to {Host(permission.HostPattern)}",
            ("subprocess", _) => scope is null ? "run any program" : $"run the program {scope}{(scope.EndsWith('*') ? " (any matching program)" : string.Empty)}",
            ("env", _) => permission.EnvScope is { IsPrefix: true } env
                ? $"read the environment variables whose names start with {env.Name}"
                : $"read the environment variable {scope}",
            ("hook", _) => scope is null ? "receive every hook event the host fires" : $"receive the host's '{scope}' hook events",
            ("config", "read") => scope is null ? "read its configuration values" : $"read its configuration value '{scope}'",
            ("config", "write") => scope is null ? "change its configuration values" : $"change its configuration value '{scope}'",
            ("database", "read") => scope is null ? "read its stored data" : $"read its stored data in the namespace '{scope}'",
            ("database", "write") => scope is null ? "store data" : $"store and change data in the namespace '{scope}'",
            _ when permission.Definition is { } app && (app.Description is not null || app.ActionDescriptions.Count > 0 || app.Implications.Count > 0) => InAppWords(permission, app),
            _ => scope is null
                ? $"use the host service '{permission.Category}' ({permission.Action})"
                : $"use the host service '{permission.Category}' ({permission.Action}) for '{scope}'",
        };
    }

    /// <summary>Describes a permission given as text; text that does not parse is described as such.</summary>
    public static string Describe(string permission, PermissionCatalog? catalog = null) =>
        Permission.TryParse(permission, catalog ?? PermissionCatalog.Default, out var parsed, out var error)
            ? Describe(parsed)
            : $"not a valid permission ({error})";

    /// <summary>
    /// An application's category in the application's words (issue 18): "see stock levels (inventory: the shop's
    /// stock)", with what the action also gives. The text comes from the application; the CLI sanitises it at its edge.
    /// </summary>
    private static string InAppWords(Permission permission, PermissionCategory app)
    {
        var what = app.ActionDescriptions.TryGetValue(permission.Action, out var action) ? action : $"{permission.Action}";
        var text = app.Description is { } about ? $"{what} ({permission.Category}: {about})" : $"{what} ({permission.Category})";
        if (permission.Scope is { } scope)
        {
            text += $" for '{scope}'";
        }

        return permission.ImpliedActions is { Count: > 0 } implied
            ? $"{text}; also gives {string.Join(", ", implied.Select(a => $"{permission.Category}:{a}{(permission.Scope is null ? string.Empty : "=" + permission.Scope)}"))}"
            : text;
    }

    private static string Files(Permission permission)
    {
        var scope = permission.Scope ?? "/";
        var (path, what) = scope switch
        {
            _ when scope.EndsWith("/**", StringComparison.Ordinal) => (scope[..^3], "files under {0}"),
            _ when scope.EndsWith("/*", StringComparison.Ordinal) => (scope[..^2], "files directly in {0}"),
            _ => (scope, "the file {0}"),
        };
        if (path.Length == 0)
        {
            path = "/";
        }

        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, what, path);
        return path switch
        {
            "$PLUGIN_DATA" => text + " (its own data folder)",
            "$TEMP" => text + " (its own temp folder)",
            "$PLUGIN_DIR" => text + " (its own installed folder)",
            "$CONFIG" => text + " (the Stockade config folder)",
            "/" => text + " (the whole file system)",
            _ => text,
        };
    }

    private static string Host(HostPattern? host)
    {
        if (host is null)
        {
            return "any host";
        }

        var name = host.IsBroad ? "any host" : host.IsWildcard ? $"any host under {host.Host.TrimStart('*', '.')}" : host.Host;
        return host.Port is { } port ? $"{name} (port {port})" : $"{name} (any port)";
    }
}
