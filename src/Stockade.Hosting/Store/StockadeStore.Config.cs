namespace Stockade.Hosting.Store;

public sealed partial class StockadeStore
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
    public bool SetConfig(string pluginId, string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(key);
        return Write((connection, transaction) =>
        {
            if (!PluginExists(connection, transaction, pluginId))
            {
                return false;
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
            return true;
        });
    }
}
