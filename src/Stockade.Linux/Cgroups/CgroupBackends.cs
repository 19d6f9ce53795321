namespace Stockade.Linux.Cgroups;

/// <summary>Chooses the cgroup backend when a host starts (see <see cref="CgroupOptions"/>).</summary>
public static class CgroupBackends
{
    /// <summary>Chooses from this machine's mounts and this process's own cgroups.</summary>
    /// <param name="options">What the operator asked for.</param>
    /// <returns>The backend, the candidates refused and why, and an error when the host must not start.</returns>
    public static CgroupSelection Select(CgroupOptions options) =>
        Select(options, CgroupHierarchy.V1Mounts(), CgroupHierarchy.V2Mount(), CgroupHierarchy.OwnPaths());

    /// <summary>What <see cref="Select(CgroupOptions)"/> would choose, changing nothing (for <c>stockade doctor</c>): a v2 host cgroup is not split into a leaf, no controller is enabled.</summary>
    /// <param name="options">What the operator asked for.</param>
    /// <returns>The backend that would be used (do not create cgroups with it), the candidates refused and why.</returns>
    public static CgroupSelection Probe(CgroupOptions options)
    {
        s_probeOnly = true;
        try
        {
            return Select(options);
        }
        finally
        {
            s_probeOnly = false;
        }
    }

    [ThreadStatic]
    private static bool s_probeOnly;

    internal static bool ProbeOnly => s_probeOnly;

    /// <summary>Chooses from the given mounts and own paths (tests pass a fake tree).</summary>
    internal static CgroupSelection Select(CgroupOptions options, IReadOnlyDictionary<string, string> v1Mounts, string? v2Mount, IReadOnlyDictionary<string, string> own)
    {
        ArgumentNullException.ThrowIfNull(options);
        var refused = new List<string>();
        if (options.Require == CgroupBackendKind.None)
        {
            return new CgroupSelection(new NoCgroupBackend("cgroups turned off in the options"), refused, false, null);
        }

        ICgroupBackend? chosen = null;
        if (options.Path is { } path)
        {
            chosen = FromPath(Path.GetFullPath(path), v1Mounts, v2Mount, refused);
        }
        else
        {
            if (options.Require is null or CgroupBackendKind.V2)
            {
                chosen = OwnV2(v2Mount, own, refused);
            }

            if (chosen is null && options.Require is null or CgroupBackendKind.V1)
            {
                chosen = OwnV1(v1Mounts, own, refused);
            }
        }

        if (chosen is not null && (options.Require is null || options.Require == chosen.Kind))
        {
            return new CgroupSelection(chosen, refused, false, null);
        }

        if (chosen is not null)
        {
            refused.Add($"{options.Path} is cgroup {chosen.Kind}, but {options.Require} is required");
        }

        bool asked = options.Path is not null || options.Require is not null;
        string why = refused.Count > 0 ? string.Join("; ", refused) : "no cgroup hierarchy is mounted";
        if (!asked)
        {
            return new CgroupSelection(new NoCgroupBackend(why), refused, false, null);
        }

        if (options.AllowDowngrade)
        {
            return new CgroupSelection(new NoCgroupBackend("downgraded: " + why), refused, true, null);
        }

        string wanted = options.Path ?? $"a cgroup {options.Require} hierarchy";
        return new CgroupSelection(new NoCgroupBackend(why), refused, false,
            $"the cgroup asked for ({wanted}) cannot be used: {why}. Fix it (create and delegate the directory, e.g. `systemd-run --user --scope -p Delegate=yes`), or set AllowDowngrade to run with rlimits and the watchdog only; `stockade doctor` shows what this machine has.");
    }

    private static ICgroupBackend? FromPath(string path, IReadOnlyDictionary<string, string> v1Mounts, string? v2Mount, List<string> refused)
    {
        if (v2Mount is not null && IsUnder(path, v2Mount))
        {
            if (CgroupV2Backend.Problem(path) is { } problem)
            {
                refused.Add("v2: " + problem);
                return null;
            }

            return new CgroupV2Backend(path);
        }

        foreach ((string controller, string mount) in v1Mounts)
        {
            if (IsUnder(path, mount))
            {
                string relative = path.Length > mount.Length ? path[mount.Length..] : "/";
                return V1At(v1Mounts, _ => relative, refused);
            }
        }

        refused.Add($"{path} is not under a cgroup mount ({(v2Mount is null ? "no cgroup2 mount" : "cgroup2 at " + v2Mount)}; v1 controllers at {(v1Mounts.Count == 0 ? "none" : string.Join(", ", v1Mounts.Values.Distinct()))})");
        return null;
    }

    private static ICgroupBackend? OwnV2(string? v2Mount, IReadOnlyDictionary<string, string> own, List<string> refused)
    {
        if (v2Mount is null || !own.TryGetValue("", out string? path))
        {
            refused.Add("v2: no cgroup2 mount");
            return null;
        }

        string directory = CgroupHierarchy.Join(v2Mount, path);
        string available = CgroupFile.ReadText(Path.Combine(directory, "cgroup.controllers")) ?? string.Empty;
        string[] missing = [.. CgroupV2Backend.Controllers.Where(c => !available.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Contains(c))];
        if (missing.Length > 0)
        {
            refused.Add($"v2: the host's cgroup {directory} lacks {string.Join(", ", missing)} (cgroup.controllers: '{available.Trim()}')");
            return null;
        }

        if (!CgroupFile.IsWritable(directory))
        {
            refused.Add($"v2: the host's cgroup {directory} is not writable (run under a delegated unit: systemd Delegate=yes, or `systemd-run --user --scope -p Delegate=yes`)");
            return null;
        }

        // The host's own cgroup holds the host: v2 lets a cgroup with processes enable controllers for its children only
        // after the processes moved to a leaf. The host moves itself to "<own>/stockade-host".
        string leaf = Path.Combine(directory, "stockade-host");
        if (s_probeOnly)
        {
            return new CgroupV2Backend(directory);
        }

        try
        {
            Directory.CreateDirectory(leaf);
            foreach (int pid in CgroupFile.ReadPids(Path.Combine(directory, "cgroup.procs")))
            {
                File.WriteAllText(Path.Combine(leaf, "cgroup.procs"), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            refused.Add($"v2: cannot move the host's processes to the leaf {leaf}: {ex.Message}");
            return null;
        }

        if (CgroupV2Backend.Problem(directory) is { } problem)
        {
            refused.Add("v2: " + problem);
            return null;
        }

        return new CgroupV2Backend(directory);
    }

    private static ICgroupBackend? OwnV1(IReadOnlyDictionary<string, string> v1Mounts, IReadOnlyDictionary<string, string> own, List<string> refused) =>
        V1At(v1Mounts, controller => own.GetValueOrDefault(controller) ?? "/", refused);

    private static ICgroupBackend? V1At(IReadOnlyDictionary<string, string> v1Mounts, Func<string, string> pathOf, List<string> refused)
    {
        var parents = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (string controller in CgroupHierarchy.V1Controllers)
        {
            if (!v1Mounts.TryGetValue(controller, out string? mount))
            {
                if (CgroupHierarchy.V1Required.Contains(controller))
                {
                    problems.Add($"no {controller} controller is mounted");
                }

                continue;
            }

            string directory = CgroupHierarchy.Join(mount, pathOf(controller));
            string? problem = !Directory.Exists(directory) ? $"{directory} does not exist"
                : !CgroupFile.IsWritable(directory) ? $"{directory} is not writable by this user (as root, create it and chown it to the host's user)"
                : null;
            if (problem is null)
            {
                parents[controller] = directory;
            }
            else if (CgroupHierarchy.V1Required.Contains(controller))
            {
                problems.Add(problem);
            }
            else
            {
                refused.Add($"v1 {controller} (optional) not used: {problem}");
            }
        }

        if (problems.Count > 0)
        {
            refused.Add("v1: " + string.Join("; ", problems));
            return null;
        }

        return new CgroupV1Backend(parents);
    }

    private static bool IsUnder(string path, string mount) =>
        path == mount || path.StartsWith(mount.TrimEnd('/') + "/", StringComparison.Ordinal);
}
