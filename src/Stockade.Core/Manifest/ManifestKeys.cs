namespace Stockade.Core.Manifest;

/// <summary>Every key the reader accepts, per mapping; the schema test checks plugin.schema.json against these.</summary>
internal static class ManifestKeys
{
    public static readonly string[] Root =
    [
        "$schema", "id", "name", "version", "description", "publisher", "runtime", "entry", "entryType", "interpreter",
        "category", "timeouts", "permissions", "resources", "rateLimits", "provides", "requires", "conflicts",
        "exclusive", "hooks", "prewarm", "restart",
    ];

    public static readonly string[] Required = ["id", "name", "version", "runtime", "entry"];

    public static readonly string[] Timeouts = ["init", "call", "hook"];

    public static readonly string[] Permissions = ["required", "optional"];

    public static readonly string[] PermissionEntry = ["permission", "reason"];

    public static readonly string[] Resources = [.. ResourceLimitTable.All.Select(l => l.Key)];

    public static readonly string[] Restart = ["maxRestarts", "window", "limits", "factor"];

    public static readonly string[] Provides = ["api", "version"];

    public static readonly string[] Requires = ["id", "range"];

    public static readonly string[] Conflicts = ["id", "range"];

    /// <summary>Mapping path (as in the schema, <c>[]</c> for list items) to its keys.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ByPath = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [""] = Root,
        ["timeouts"] = Timeouts,
        ["permissions"] = Permissions,
        ["permissions.required[]"] = PermissionEntry,
        ["permissions.optional[]"] = PermissionEntry,
        ["resources"] = Resources,
        ["restart"] = Restart,
        ["provides[]"] = Provides,
        ["requires[]"] = Requires,
        ["conflicts[]"] = Conflicts,
    };
}
