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

    /// <summary>
    /// Creates the top-level folders. The store, audit log and config are private to the host's
    /// user (0700); the home, <c>data/</c> and <c>temp/</c> are traversable only (0711) so a worker
    /// running under a dedicated uid reaches its own folders and cannot list anyone else's; installed
    /// copies are world-readable (0755) because the worker must read them.
    /// </summary>
    public void EnsureCreated()
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode TraverseOnly = Private | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        const UnixFileMode Readable = TraverseOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        Create(Root, TraverseOnly);
        Create(PluginsRoot, Readable);
        Create(AuditDirectory, Private);
        Create(ConfigDirectory, Private);
        Create(Path.Combine(Root, "data"), TraverseOnly);
        Create(Path.Combine(Root, "temp"), TraverseOnly);
    }

    private static void Create(string dir, UnixFileMode mode)
    {
        if (Directory.Exists(dir))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, mode);
        }
    }
}
