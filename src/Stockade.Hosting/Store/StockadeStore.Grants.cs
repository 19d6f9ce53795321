namespace Stockade.Hosting.Store;

internal sealed partial class StockadeStore
{
    /// <summary>Records (or replaces) the decision on one permission. False when the plugin is not installed.</summary>
    /// <param name="grant">The decision.</param>
    public bool SetGrant(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return Write((connection, transaction) =>
        {
            if (!PluginExists(connection, transaction, grant.PluginId))
            {
                return false;
            }

            using var command = Command(
                connection,
                transaction,
                """
                INSERT INTO grants(plugin_id, permission, allowed, optional, granted_at, granted_by)
                VALUES ($plugin, $permission, $allowed, $optional, $at, $by)
                ON CONFLICT(plugin_id, permission) DO UPDATE SET allowed = excluded.allowed, optional = excluded.optional,
                    granted_at = excluded.granted_at, granted_by = excluded.granted_by
                """,
                ("$plugin", grant.PluginId),
                ("$permission", grant.Permission),
                ("$allowed", grant.Allowed ? 1 : 0),
                ("$optional", grant.Optional ? 1 : 0),
                ("$at", FormatTime(grant.GrantedAt)),
                ("$by", grant.GrantedBy));
            command.ExecuteNonQuery();
            return true;
        });
    }

    /// <summary>Forgets the decision on one permission. False when there was none.</summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="permission">Permission text exactly as granted.</param>
    public bool RemoveGrant(string pluginId, string permission)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(permission);
        return Write((connection, transaction) =>
        {
            using var command = Command(connection, transaction, "DELETE FROM grants WHERE plugin_id = $plugin AND permission = $permission", ("$plugin", pluginId), ("$permission", permission));
            return command.ExecuteNonQuery() > 0;
        });
    }

    /// <summary>Every decision recorded for a plugin, ordered by permission; empty when none or not installed.</summary>
    /// <param name="pluginId">Plugin id.</param>
    public IReadOnlyList<GrantRecord> GetGrants(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return Execute(connection =>
        {
            using var command = Command(connection, null, "SELECT plugin_id, permission, allowed, optional, granted_at, granted_by FROM grants WHERE plugin_id = $plugin ORDER BY permission", ("$plugin", pluginId));
            using var reader = command.ExecuteReader();
            var grants = new List<GrantRecord>();
            while (reader.Read())
            {
                grants.Add(new GrantRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0, reader.GetInt64(3) != 0, ParseTime(reader.GetString(4)), reader.GetString(5)));
            }

            return grants;
        });
    }

    private static bool PluginExists(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string pluginId)
    {
        using var command = Command(connection, transaction, "SELECT 1 FROM plugins WHERE id = $id", ("$id", pluginId));
        return command.ExecuteScalar() is not null;
    }
}
