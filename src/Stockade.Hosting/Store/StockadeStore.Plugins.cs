using Microsoft.Data.Sqlite;

namespace Stockade.Hosting.Store;

internal sealed partial class StockadeStore
{
    /// <summary>Inserts or replaces the plugin row (grants, key-value data and config are kept).</summary>
    /// <param name="plugin">The plugin as installed.</param>
    public void UpsertPlugin(PluginRecord plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        Write((connection, transaction) =>
        {
            using var command = Command(
                connection,
                transaction,
                """
                INSERT INTO plugins(id, version, source, installed_at, files_hash, enabled, manifest_json)
                VALUES ($id, $version, $source, $installed, $hash, $enabled, $manifest)
                ON CONFLICT(id) DO UPDATE SET version = excluded.version, source = excluded.source,
                    installed_at = excluded.installed_at, files_hash = excluded.files_hash,
                    enabled = excluded.enabled, manifest_json = excluded.manifest_json
                """,
                ("$id", plugin.Id),
                ("$version", plugin.Version),
                ("$source", plugin.Source),
                ("$installed", FormatTime(plugin.InstalledAt)),
                ("$hash", plugin.FilesHash),
                ("$enabled", plugin.Enabled ? 1 : 0),
                ("$manifest", plugin.ManifestJson));
            return command.ExecuteNonQuery();
        });
    }

    /// <summary>The plugin with this id, or null when it is not installed.</summary>
    /// <param name="pluginId">Plugin id.</param>
    public PluginRecord? GetPlugin(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return Execute(connection =>
        {
            using var command = Command(connection, null, "SELECT id, version, source, installed_at, files_hash, enabled, manifest_json FROM plugins WHERE id = $id", ("$id", pluginId));
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadPlugin(reader) : null;
        });
    }

    /// <summary>Every installed plugin, ordered by id.</summary>
    public IReadOnlyList<PluginRecord> ListPlugins() => Execute(connection =>
    {
        using var command = Command(connection, null, "SELECT id, version, source, installed_at, files_hash, enabled, manifest_json FROM plugins ORDER BY id");
        using var reader = command.ExecuteReader();
        var plugins = new List<PluginRecord>();
        while (reader.Read())
        {
            plugins.Add(ReadPlugin(reader));
        }

        return plugins;
    });

    /// <summary>Removes the plugin with its grants, key-value data and config. False when it was not installed.</summary>
    /// <param name="pluginId">Plugin id.</param>
    public bool RemovePlugin(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return Write((connection, transaction) =>
        {
            using var command = Command(connection, transaction, "DELETE FROM plugins WHERE id = $id", ("$id", pluginId));
            return command.ExecuteNonQuery() > 0;
        });
    }

    /// <summary>Enables or disables a plugin. False when it is not installed.</summary>
    /// <param name="pluginId">Plugin id.</param>
    /// <param name="enabled">The new state.</param>
    public bool SetEnabled(string pluginId, bool enabled)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return Write((connection, transaction) =>
        {
            using var command = Command(connection, transaction, "UPDATE plugins SET enabled = $enabled WHERE id = $id", ("$id", pluginId), ("$enabled", enabled ? 1 : 0));
            return command.ExecuteNonQuery() > 0;
        });
    }

    private static PluginRecord ReadPlugin(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        ParseTime(reader.GetString(3)),
        reader.GetString(4),
        reader.GetInt64(5) != 0,
        reader.IsDBNull(6) ? null : reader.GetString(6));
}
