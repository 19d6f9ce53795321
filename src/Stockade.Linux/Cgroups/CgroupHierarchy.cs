namespace Stockade.Linux.Cgroups;

/// <summary>Where this machine mounts its cgroup hierarchies and where this process sits in them (/proc/self/mountinfo, /proc/self/cgroup).</summary>
internal static class CgroupHierarchy
{
    /// <summary>The v1 controllers a worker cgroup uses, in the order they are made.</summary>
    public static readonly string[] V1Controllers = ["memory", "cpu", "cpuacct", "pids", "freezer"];

    /// <summary>v1 controllers without which the backend is not used: they hold the limits.</summary>
    public static readonly string[] V1Required = ["memory", "cpu", "pids"];

    /// <summary>Each mounted v1 controller and its mount point (co-mounted controllers share one).</summary>
    public static Dictionary<string, string> V1Mounts(string mountInfo = "/proc/self/mountinfo") =>
        ParseV1Mounts(CgroupFile.ReadText(mountInfo) ?? string.Empty);

    /// <summary>The cgroup2 mount point, or null.</summary>
    public static string? V2Mount(string mountInfo = "/proc/self/mountinfo") =>
        ParseV2Mount(CgroupFile.ReadText(mountInfo) ?? string.Empty);

    /// <summary>This process's path in each v1 controller's hierarchy, and (under the key "") in the v2 one.</summary>
    public static Dictionary<string, string> OwnPaths(string cgroupFile = "/proc/self/cgroup") =>
        ParseOwnPaths(CgroupFile.ReadText(cgroupFile) ?? string.Empty);

    internal static Dictionary<string, string> ParseV1Mounts(string mountInfo)
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory"
            int dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0)
            {
                continue;
            }

            string[] left = line[..dash].Split(' ');
            string[] right = line[(dash + 3)..].Split(' ');
            if (left.Length < 5 || right.Length < 3 || right[0] != "cgroup")
            {
                continue;
            }

            foreach (string option in right[2].Split(','))
            {
                if (V1Controllers.Contains(option) && !mounts.ContainsKey(option))
                {
                    mounts[option] = Unescape(left[4]);
                }
            }
        }

        return mounts;
    }

    internal static string? ParseV2Mount(string mountInfo)
    {
        foreach (string line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = line.IndexOf(" - ", StringComparison.Ordinal);
            string[] left = dash < 0 ? [] : line[..dash].Split(' ');
            if (dash >= 0 && left.Length >= 5 && line[(dash + 3)..].StartsWith("cgroup2 ", StringComparison.Ordinal))
            {
                return Unescape(left[4]);
            }
        }

        return null;
    }

    internal static Dictionary<string, string> ParseOwnPaths(string procCgroup)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in procCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                paths[""] = parts[2];
                continue;
            }

            foreach (string controller in parts[1].Split(','))
            {
                paths[controller] = parts[2];
            }
        }

        return paths;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal.</summary>
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);

    /// <summary>Joins a mount point and a cgroup path ("/" is the mount itself).</summary>
    public static string Join(string mount, string cgroupPath) =>
        cgroupPath is "/" or "" ? mount : Path.Combine(mount, cgroupPath.TrimStart('/'));
}
