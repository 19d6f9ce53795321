using Stockade.Linux.Landlock;

namespace Stockade.Linux.Launch;

/// <summary>
/// The Landlock rules and pins a framework-dependent .NET process needs to start (found by strace and by
/// removing one rule at a time; see docs/kernel-compatibility.md). Add the plugin's own grants to them.
/// The one list of system paths: the host's launch planner takes its rules from here too.
/// </summary>
internal static class DotnetRuntimeRules
{
    private static readonly LandlockFsAccess[] ReadOnly = [LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir];

    private static readonly LandlockFsAccess[] ReadWrite =
    [
        LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir, LandlockFsAccess.WriteFile, LandlockFsAccess.RemoveFile,
        LandlockFsAccess.RemoveDir, LandlockFsAccess.MakeReg, LandlockFsAccess.MakeDir, LandlockFsAccess.MakeSym,
        LandlockFsAccess.Truncate, LandlockFsAccess.Refer,
    ];

    // Computed once per process: the system rules depend only on this machine's files, not on the plugin.
    private static readonly Lazy<IReadOnlyList<LaunchPathRule>> SystemRules = new(BuildSystem);

    /// <summary>Paths to pin with O_PATH across exec (procfs entries that the runtime reads).</summary>
    public static IReadOnlyList<string> PinPaths { get; } = ["/proc/self", "/proc/meminfo"];

    /// <summary>
    /// Rules for running <paramref name="appDirectory"/> with the runtime in <paramref name="dotnetRoot"/>
    /// (e.g. <c>/usr/share/dotnet</c>), read-write access to <paramref name="writableDirectories"/>
    /// (<c>$PLUGIN_DATA</c>, <c>$TEMP</c>) and nothing else. System paths absent on this machine are omitted.
    /// </summary>
    public static List<LaunchPathRule> For(string dotnetRoot, string appDirectory, IEnumerable<string> writableDirectories)
    {
        ArgumentException.ThrowIfNullOrEmpty(dotnetRoot);
        ArgumentException.ThrowIfNullOrEmpty(appDirectory);
        ArgumentNullException.ThrowIfNull(writableDirectories);
        var rules = new List<LaunchPathRule>();
        if (Path.Exists(dotnetRoot))
        {
            rules.Add(Rule(dotnetRoot, LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir, LandlockFsAccess.Execute));
        }

        rules.AddRange(System());

        // The caller's folders are kept even when missing, so the launcher reports them (exit 70) instead of a
        // worker failing later.
        rules.Add(Rule(appDirectory, ReadOnly));
        rules.AddRange(writableDirectories.Select(directory => Rule(directory, ReadWrite)));
        return rules;
    }

    /// <summary>
    /// What any dynamically linked process needs on this machine, whatever it runs: the ELF interpreter (execute),
    /// the shared libraries, the loader cache, the procfs and sysfs entries the runtime reads, the harmless devices,
    /// the time zone. System paths differ between distributions, so absent ones are left out.
    /// </summary>
    public static IReadOnlyList<LaunchPathRule> System() => SystemRules.Value;

    private static IReadOnlyList<LaunchPathRule> BuildSystem()
    {
        var rules = new List<LaunchPathRule>
        {
            Rule(RealPath("/lib64/ld-linux-x86-64.so.2"), LandlockFsAccess.ReadFile, LandlockFsAccess.Execute),
            Rule("/usr/lib/x86_64-linux-gnu", ReadOnly),
            Rule("/etc/ld.so.cache", LandlockFsAccess.ReadFile),
            Rule("/proc/self", LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir, LandlockFsAccess.WriteFile),
            Rule("/proc/meminfo", LandlockFsAccess.ReadFile),
            Rule("/sys/fs/cgroup", ReadOnly),
            Rule("/sys/devices/system/cpu", ReadOnly),
            Rule("/sys/devices/system/node", ReadOnly),
            Rule("/dev/null", LandlockFsAccess.ReadFile, LandlockFsAccess.WriteFile),
            Rule("/dev/urandom", LandlockFsAccess.ReadFile),
            Rule("/dev/random", LandlockFsAccess.ReadFile),
            Rule("/dev/zero", LandlockFsAccess.ReadFile),
            Rule("/etc/localtime", LandlockFsAccess.ReadFile),
            Rule("/usr/share/zoneinfo", ReadOnly),
        };
        rules.RemoveAll(rule => !Path.Exists(rule.Path));
        return rules;
    }

    // Landlock rules name inodes: the interpreter's real file, not the /lib64 link to it.
    private static string RealPath(string path)
    {
        var info = new FileInfo(path);
        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    private static LaunchPathRule Rule(string path, params LandlockFsAccess[] access) => new() { Path = path, Access = access };
}
