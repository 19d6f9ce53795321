namespace Stockade.Hosting.Store;

/// <summary>
/// Ordered schema migrations. Migration N brings <c>PRAGMA user_version</c> from N-1 to N; never edit a
/// shipped one, append a new one.
/// </summary>
internal static class StoreMigrations
{
    public static IReadOnlyList<string> All { get; } =
    [
        """
        CREATE TABLE plugins(
            id            TEXT PRIMARY KEY,
            version       TEXT NOT NULL,
            source        TEXT NOT NULL,
            installed_at  TEXT NOT NULL,
            files_hash    TEXT NOT NULL,
            enabled       INTEGER NOT NULL DEFAULT 1,
            manifest_json TEXT
        ) STRICT;
        CREATE TABLE grants(
            plugin_id  TEXT NOT NULL REFERENCES plugins(id) ON DELETE CASCADE,
            permission TEXT NOT NULL,
            allowed    INTEGER NOT NULL,
            optional   INTEGER NOT NULL,
            granted_at TEXT NOT NULL,
            granted_by TEXT NOT NULL,
            PRIMARY KEY(plugin_id, permission)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE trusted_keys(
            key_id         TEXT PRIMARY KEY,
            name           TEXT NOT NULL,
            public_key_pem TEXT NOT NULL,
            added_at       TEXT NOT NULL
        ) STRICT;
        CREATE TABLE audit_head(
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            seq        INTEGER NOT NULL,
            hash       TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE kv(
            plugin_id  TEXT NOT NULL REFERENCES plugins(id) ON DELETE CASCADE,
            namespace  TEXT NOT NULL,
            key        TEXT NOT NULL,
            value      BLOB NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY(plugin_id, namespace, key)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE config(
            plugin_id TEXT NOT NULL REFERENCES plugins(id) ON DELETE CASCADE,
            key       TEXT NOT NULL,
            value     TEXT NOT NULL,
            PRIMARY KEY(plugin_id, key)
        ) STRICT, WITHOUT ROWID;
        """,
        // 2: the uid each plugin's workers run under when the host is root. Not tied to the plugins table: a plugin
        // run from a folder has one too, and an uninstalled plugin keeps its uid so a reinstall finds its data
        // still owned by it and no other plugin ever inherits files made under that uid.
        """
        CREATE TABLE worker_uids(
            plugin_id    TEXT PRIMARY KEY,
            uid          INTEGER NOT NULL UNIQUE,
            allocated_at TEXT NOT NULL
        ) STRICT;
        """,
        // 3: which Stockade version brought the schema to its number, so an older tool or library refused by a newer
        // home says which version to update to (docs/packaging.md, "Versions").
        """
        CREATE TABLE stockade_info(
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        """,
        // 4 (issue 18): what the applications on this home define, so the CLI administers their plugins in their words:
        // permission categories (name, actions, descriptions, implications; JSON) and named policies (their JSON source).
        // Data written by an application host; readers validate every row and skip what does not parse.
        """
        CREATE TABLE host_categories(
            name        TEXT PRIMARY KEY,
            definition  TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE host_policies(
            name        TEXT PRIMARY KEY,
            source      TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        ) STRICT;
        """,
    ];
}
