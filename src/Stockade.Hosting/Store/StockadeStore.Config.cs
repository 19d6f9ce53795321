namespace Stockade.Hosting.Store;

internal sealed partial class StockadeStore
{
    /// <summary>A plugin's configuration value, or null when unset.</summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="key">Configuration key.</param>
    public string? GetConfig(string pluginId, string key)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(key);
        return Execute(connection =>
        {
            using var command = Command(connection, null, "SELECT value FROM config WHERE plugin_id = $plugin AND key = $key", ("$plugin", pluginId), ("$key", key));
            return command.ExecuteScalar() as string;
        });
    }

    /// <summary>Sets (or, with null, removes) a configuration value. False when the plugin is not installed.</summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="key">Configuration key.</param>
    /// <param name="value">New value, or null to remove it.</param>
    public bool SetConfig(string pluginId, string key, string? value) =>
        SetConfig(pluginId, key, value, quotaBytes: null) == KvWriteResult.Written;

    /// <summary>
    /// Sets (or, with null, removes) a configuration value. With <paramref name="quotaBytes"/>, the write is refused
    /// (atomically, nothing changes) when the plugin's configuration (<see cref="GetConfigUsage"/>) would exceed it afterwards;
    /// a removal is never refused.
    /// </summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="key">Configuration key.</param>
    /// <param name="value">New value (JSON text), or null to remove it.</param>
    /// <param name="quotaBytes">Most bytes (UTF-8 keys + values) the plugin's configuration may hold; null for no limit.</param>
    public KvWriteResult SetConfig(string pluginId, string key, string? value, long? quotaBytes)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(key);
        return Write((connection, transaction) =>
        {
            if (!PluginExists(connection, transaction, pluginId))
            {
                return KvWriteResult.PluginNotFound;
            }

            using var command = value is null
                ? Command(connection, transaction, "DELETE FROM config WHERE plugin_id = $plugin AND key = $key", ("$plugin", pluginId), ("$key", key))
                : Command(
                    connection,
                    transaction,
                    "INSERT INTO config(plugin_id, key, value) VALUES ($plugin, $key, $value) ON CONFLICT(plugin_id, key) DO UPDATE SET value = excluded.value",
                    ("$plugin", pluginId),
                    ("$key", key),
                    ("$value", value));
            command.ExecuteNonQuery();
            if (value is not null && quotaBytes is { } quota && ConfigUsage(connection, transaction, pluginId) > quota)
            {
                transaction.Rollback();
                return KvWriteResult.QuotaExceeded;
            }

            return KvWriteResult.Written;
        });
    }

    /// <summary>Bytes a plugin's configuration holds (UTF-8 key lengths + value lengths), for its quota.</summary>
    /// <param name="pluginId">Plugin id.</param>
    public long GetConfigUsage(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return Execute(connection => ConfigUsage(connection, null, pluginId));
    }

    private static long ConfigUsage(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction? transaction, string pluginId)
    {
        using var command = Command(connection, transaction, "SELECT COALESCE(SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) FROM config WHERE plugin_id = $plugin", ("$plugin", pluginId));
        return (long)command.ExecuteScalar()!;
    }
}
