namespace Stockade.Hosting.Store;

internal sealed partial class StockadeStore
{
    /// <summary>A plugin's stored value, or null when absent.</summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="ns">Namespace (the scope of its <c>database:*</c> permission).</param>
    /// <param name="key">Key.</param>
    public byte[]? GetValue(string pluginId, string ns, string key)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(key);
        return Execute(connection =>
        {
            using var command = Command(connection, null, "SELECT value FROM kv WHERE plugin_id = $plugin AND namespace = $ns AND key = $key", ("$plugin", pluginId), ("$ns", ns), ("$key", key));
            return command.ExecuteScalar() as byte[];
        });
    }

    /// <summary>
    /// Stores a value. With <paramref name="quotaBytes"/>, the write is refused (atomically) when the plugin's
    /// usage (<see cref="GetUsage"/>) would exceed it afterwards.
    /// </summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="ns">Namespace.</param>
    /// <param name="key">Key.</param>
    /// <param name="value">Value bytes.</param>
    /// <param name="quotaBytes">Most bytes (keys + values) the plugin may hold; null for no limit.</param>
    public KvWriteResult SetValue(string pluginId, string ns, string key, ReadOnlyMemory<byte> value, long? quotaBytes = null)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(key);
        return Write((connection, transaction) =>
        {
            if (!PluginExists(connection, transaction, pluginId))
            {
                return KvWriteResult.PluginNotFound;
            }

            using (var upsert = Command(
                connection,
                transaction,
                """
                INSERT INTO kv(plugin_id, namespace, key, value, updated_at) VALUES ($plugin, $ns, $key, $value, $now)
                ON CONFLICT(plugin_id, namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """,
                ("$plugin", pluginId),
                ("$ns", ns),
                ("$key", key),
                ("$value", value.ToArray()),
                ("$now", Now())))
            {
                upsert.ExecuteNonQuery();
            }

            if (quotaBytes is { } quota && Usage(connection, transaction, pluginId) > quota)
            {
                transaction.Rollback();
                return KvWriteResult.QuotaExceeded;
            }

            return KvWriteResult.Written;
        });
    }

    /// <summary>Deletes a value. False when it did not exist.</summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="ns">Namespace.</param>
    /// <param name="key">Key.</param>
    public bool DeleteValue(string pluginId, string ns, string key)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(key);
        return Write((connection, transaction) =>
        {
            using var command = Command(connection, transaction, "DELETE FROM kv WHERE plugin_id = $plugin AND namespace = $ns AND key = $key", ("$plugin", pluginId), ("$ns", ns), ("$key", key));
            return command.ExecuteNonQuery() > 0;
        });
    }

    /// <summary>Keys in a namespace, ordered, optionally only those starting with <paramref name="prefix"/>.</summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="ns">Namespace.</param>
    /// <param name="prefix">Key prefix (matched literally), or null for all.</param>
    public IReadOnlyList<string> ListKeys(string pluginId, string ns, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(ns);
        return Execute(connection =>
        {
            // substr() instead of LIKE: a prefix is matched literally, '%' and '_' included.
            using var command = Command(
                connection,
                null,
                "SELECT key FROM kv WHERE plugin_id = $plugin AND namespace = $ns AND substr(key, 1, length($prefix)) = $prefix ORDER BY key",
                ("$plugin", pluginId),
                ("$ns", ns),
                ("$prefix", prefix ?? string.Empty));
            using var reader = command.ExecuteReader();
            var keys = new List<string>();
            while (reader.Read())
            {
                keys.Add(reader.GetString(0));
            }

            return keys;
        });
    }

    /// <summary>Bytes a plugin holds in the key-value store (UTF-8 key lengths + value lengths), for quotas.</summary>
    /// <param name="pluginId">Plugin id.</param>
    public long GetUsage(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return Execute(connection => Usage(connection, null, pluginId));
    }

    private static long Usage(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction? transaction, string pluginId)
    {
        using var command = Command(connection, transaction, "SELECT COALESCE(SUM(length(CAST(key AS BLOB)) + length(value)), 0) FROM kv WHERE plugin_id = $plugin", ("$plugin", pluginId));
        return (long)command.ExecuteScalar()!;
    }
}
