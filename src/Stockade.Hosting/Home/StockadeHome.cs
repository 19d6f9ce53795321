namespace Stockade.Hosting;

/// <summary>
/// The folder layout of DESIGN §9: one place that knows where the store, the installed copies, the
/// per-plugin data and temp folders, the config and the audit log live.
/// </summary>
public sealed class StockadeHome
{
    /// <summary>Creates the layout object for <paramref name="root"/>; nothing is created on disk until <see cref="EnsureCreated"/>.</summary>
    public StockadeHome(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The home folder itself.</summary>
    public string Root { get; }

    /// <summary><c>stockade.db</c>: installed plugins, grants, trusted keys, audit head.</summary>
    public string DatabasePath => Path.Combine(Root, "stockade.db");

    /// <summary>Installed copies, <c>plugins/&lt;id&gt;/&lt;version&gt;/</c>, read-only to workers.</summary>
    public string PluginsRoot => Path.Combine(Root, "plugins");

    /// <summary>The audit log folder.</summary>
    public string AuditDirectory => Path.Combine(Root, "audit");

    /// <summary><c>$CONFIG</c>.</summary>
    public string ConfigDirectory => Path.Combine(Root, "config");

    /// <summary>Where plugin <paramref name="pluginId"/> version <paramref name="version"/> is installed.</summary>
    public string InstallDirectory(string pluginId, string version) => Path.Combine(PluginsRoot, pluginId, version);

    /// <summary><c>$PLUGIN_DATA</c> of a plugin: read-write and persistent.</summary>
    public string DataDirectory(string pluginId) => Path.Combine(Root, "data", pluginId);

    /// <summary><c>$TEMP</c> of a plugin: read-write, wiped when its worker exits.</summary>
    public string TempDirectory(string pluginId) => Path.Combine(Root, "temp", pluginId);

    /// <summary>Creates the top-level folders (mode 0700: other users have no business here).</summary>
    public void EnsureCreated()
    {
        foreach (var dir in new[] { Root, PluginsRoot, AuditDirectory, ConfigDirectory, Path.Combine(Root, "data"), Path.Combine(Root, "temp") })
        {
            if (!Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }
}
