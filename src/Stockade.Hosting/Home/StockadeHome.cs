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

    /// <summary>
    /// The default home of a root host, <c>/var/lib/stockade</c> (DESIGN §9): its workers run under their own uids,
    /// which cannot pass through <c>/root</c> (0700) to reach <c>~/.stockade</c>.
    /// </summary>
    public const string RootDefault = "/var/lib/stockade";

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
    /// Creates the top-level folders and sets their modes, also on a home made by an older version or moved here:
    /// the home, <c>data/</c> and <c>temp/</c> are traversable only (0711) so a worker running under its own uid
    /// reaches its own folders and cannot list anyone else's; the audit log is private to the host's
    /// user (0700), as is <c>stockade.db</c> (0600, set by the store); <c>config/</c> (<c>$CONFIG</c>) is traversable only,
    /// so a plugin granted a path below it reaches that path and nothing else; installed copies are world-readable (0755)
    /// and owned by the host's user, so a worker reads them and cannot change them.
    /// </summary>
    public void EnsureCreated()
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode TraverseOnly = Private | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        const UnixFileMode Readable = TraverseOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

        // A zero-length stockade.db is a damaged home (integrity failure, exit 8): the store refuses it, and it must find
        // the home exactly as it was left — nothing created or changed before that refusal.
        if (File.Exists(DatabasePath) && new FileInfo(DatabasePath).Length == 0)
        {
            using var refuses = new Store.StockadeStore(Root);
        }

        bool created = Create(Root, TraverseOnly, enforce: false);
        if (!created && !OperatingSystem.IsWindows())
        {
            // An existing home (e.g. a 0700 temporary folder) keeps what its owner chose, except that group and
            // others may not write into it and may traverse it: workers under their own uids reach their folders.
            UnixFileMode mode = File.GetUnixFileMode(Root);
            UnixFileMode wanted = (mode & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if (mode != wanted)
            {
                TrySetMode(Root, wanted);
            }
        }

        Create(PluginsRoot, Readable, enforce: true);
        Create(AuditDirectory, Private, enforce: true);
        Create(ConfigDirectory, TraverseOnly, enforce: true); // $CONFIG: a plugin granted a path below it must get through
        Create(Path.Combine(Root, "data"), TraverseOnly, enforce: true);
        Create(Path.Combine(Root, "temp"), TraverseOnly, enforce: true);
    }

    /// <summary>
    /// Moves a root host's home from <paramref name="legacy"/> (<c>~/.stockade</c>, unreachable for worker uids) to
    /// <paramref name="target"/> when the legacy one exists and the target does not: installed plugins, grants, data
    /// and the audit chain move as they are (the chain holds no paths). A rename when both are on one file system,
    /// else a copy that replaces the target in one rename and then removes the legacy folder.
    /// </summary>
    /// <returns>A sentence for the operator when a move happened, else null.</returns>
    public static string? MoveLegacyHome(string legacy, string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(legacy);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        if (!Directory.Exists(legacy) || Path.Exists(target) || new DirectoryInfo(legacy).LinkTarget is not null)
        {
            return null;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        try
        {
            Directory.Move(legacy, target);
        }
        catch (IOException)
        {
            // Another file system: copy beside the target, then one rename makes it appear whole.
            string staging = target + ".moving-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            CopyTree(legacy, staging);
            Directory.Move(staging, target);
            Directory.Delete(legacy, recursive: true);
        }

        return $"stockade: moved the home from {legacy} to {target} (a root host's workers run under their own uids and cannot reach /root); "
            + "installed plugins, grants and the audit log came along. Use --home or STOCKADE_HOME to choose another place.";
    }

    private static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(destination, File.GetUnixFileMode(source));
        }

        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            string to = Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is not null)
            {
                continue; // a home holds no links; one planted here is not carried along
            }

            if (entry is DirectoryInfo)
            {
                CopyTree(entry.FullName, to);
            }
            else
            {
                File.Copy(entry.FullName, to);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(to, File.GetUnixFileMode(entry.FullName));
                }
            }
        }
    }

    private static bool Create(string dir, UnixFileMode mode, bool enforce)
    {
        if (Directory.Exists(dir))
        {
            if (enforce && !OperatingSystem.IsWindows() && File.GetUnixFileMode(dir) != mode)
            {
                TrySetMode(dir, mode);
            }

            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, mode);
            TrySetMode(dir, mode); // the umask may have taken bits away
        }

        return true;
    }

    private static void TrySetMode(string dir, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(dir, mode);
        }
        catch (UnauthorizedAccessException)
        {
            // A home shared with another user (read-only use): the owner's modes stand.
        }
    }
}
