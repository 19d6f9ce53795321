using System.ComponentModel.DataAnnotations;

namespace Stockade.Hosting;

/// <summary>
/// Options of a <see cref="PluginHost"/>. Every default is the one of DESIGN §7; the host may only
/// lower the limits a manifest asks for, never raise them past <see cref="MaxMemoryMb"/> and friends.
/// </summary>
public sealed class PluginHostOptions
{
    /// <summary>
    /// How often each running plugin reports its usage as a <see cref="PluginEventKind.Usage"/> event (the watchdog's
    /// last sample and the calls since the previous report); default one minute, at least one second; <see langword="null"/>
    /// turns the reports off. Plugins without a running worker report nothing.
    /// </summary>
    public TimeSpan? UsageEventInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a person has to answer a plugin's run-time request for an optional permission
    /// (<see cref="PluginHost.PermissionPrompt"/>); then it is denied, and audited as denied with the reason. While the
    /// person is asked, the plugin's call timeouts do not run. Default 60 seconds; between 1 second and 1 hour.
    /// </summary>
    public TimeSpan PermissionPromptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The Stockade home folder (store, installed plugins, data, audit). Required; an absolute path.</summary>
    public string Home { get; set; } = "";

    /// <summary>Level used when a load does not ask for one: <c>sandboxed</c>.</summary>
    public string DefaultLevel { get; set; } = "sandboxed";

    /// <summary>
    /// When the machine cannot enforce the requested level, run at the best level available instead
    /// of refusing. Off by default (fail secure); every downgrade is audited.
    /// </summary>
    public bool AllowDowngrade { get; set; }

    /// <summary>
    /// Folder holding <c>stockade-launcher</c> and <c>worker/Stockade.Worker.dll</c>; default: the
    /// folder of the host application (where the build puts them).
    /// </summary>
    public string? RuntimeDirectory { get; set; }

    /// <summary>
    /// Explicit override: run every worker as this uid (and <see cref="WorkerGroupId"/>) instead of the plugin's own
    /// uid from <see cref="WorkerUidFirst"/>. Only a root host can switch; <see langword="null"/> (the default) gives
    /// each plugin a uid of its own when the host is root, and keeps the host's uid otherwise.
    /// </summary>
    public int? WorkerUserId { get; set; }

    /// <summary>Group for <see cref="WorkerUserId"/>; default: the same number as the uid.</summary>
    public int? WorkerGroupId { get; set; }

    /// <summary>
    /// First uid of the range a root host gives plugins their own uids from (gid = uid), one per plugin id, recorded
    /// in the store so a plugin keeps it. Default <see cref="DefaultWorkerUidFirst"/> (0x70000000): above the
    /// ranges systemd hands to containers (524288–1879048191), below the 0x7FFE0000 "foreign" range and the
    /// signed-int boundary, and far from /etc/subuid's usual 100000+ blocks. Uids named in /etc/passwd are skipped.
    /// </summary>
    [Range(1000, int.MaxValue)]
    public int WorkerUidFirst { get; set; } = DefaultWorkerUidFirst;

    /// <summary>How many uids the range holds: 65536 by default.</summary>
    [Range(1, int.MaxValue)]
    public int WorkerUidCount { get; set; } = DefaultWorkerUidCount;

    /// <summary>The default <see cref="WorkerUidFirst"/>: 1879048192 (0x70000000).</summary>
    public const int DefaultWorkerUidFirst = 0x70000000;

    /// <summary>The default <see cref="WorkerUidCount"/>: 65536.</summary>
    public const int DefaultWorkerUidCount = 65536;

    /// <summary>
    /// The limits a plugin runs under when its manifest leaves them out, one per row of
    /// <see cref="Core.Manifest.ResourceLimitTable"/>; default: the design's (<see cref="Core.Manifest.ResourceLimits.Default"/>:
    /// 512 MiB, 80 % CPU, CPU time unlimited, 256 files, 64 threads, 512 MiB disk, 100 MiB per file, 1 process). Each
    /// must be at or above its row's floor and within its cap; validated at start.
    /// </summary>
    public Core.Manifest.ResourceLimits DefaultResources { get; set; } = Core.Manifest.ResourceLimits.Default;

    /// <summary>
    /// The most any plugin may ask for, one per row of <see cref="Core.Manifest.ResourceLimitTable"/>; default
    /// <see cref="Core.Manifest.HostLimits.DefaultCaps"/> (memory 4,096 MiB, open files 4,096, threads 1,024, file 64 GiB,
    /// processes 64, the table's maxima for CPU and disk, CPU time uncapped). A manifest asking above a cap is refused
    /// at load with the cap named (exit 2), unless <see cref="ClampToCaps"/>. CPU above what the machine's cores can
    /// give is lowered to them without a word, since no worker can use more.
    /// </summary>
    public Core.Manifest.ResourceLimits ResourceCaps { get; set; } = Core.Manifest.HostLimits.DefaultCaps;

    /// <summary>The timeouts a plugin runs under when its manifest leaves them out; default 30 s init, 300 s call, 5 s hook.</summary>
    public Core.Manifest.PluginTimeouts DefaultTimeouts { get; set; } = Core.Manifest.PluginTimeouts.Default;

    /// <summary>The longest timeouts any plugin may ask for; default 30 minutes each. Above them a manifest is refused (or clamped, see <see cref="ClampToCaps"/>).</summary>
    public Core.Manifest.PluginTimeouts TimeoutCaps { get; set; } = Core.Manifest.HostLimits.DefaultTimeoutCaps;

    /// <summary>
    /// Run a plugin whose manifest asks above a cap at the cap instead of refusing it; every such limit is written to the
    /// audit log (<c>validation.warning</c>) and the log. Default false: refused, with the cap named.
    /// </summary>
    public bool ClampToCaps { get; set; }

    /// <summary>Upper bound for any plugin's memory, in MiB: <see cref="ResourceCaps"/>'s <c>MemoryMb</c> (default 4096).</summary>
    public int MaxMemoryMb
    {
        get => ResourceCaps.MemoryMb;
        set => ResourceCaps = ResourceCaps with { MemoryMb = value };
    }

    /// <summary>Upper bound for any timeout: reads <see cref="TimeoutCaps"/>'s call cap; setting it sets all three caps (init, call, hook).</summary>
    public TimeSpan MaxCallTimeout
    {
        get => TimeoutCaps.Call;
        set => TimeoutCaps = new Core.Manifest.PluginTimeouts(value, value, value);
    }

    /// <summary>Largest protocol frame a worker may send, in bytes (16 MiB).</summary>
    [Range(4096, 256 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most requests a worker may have in flight towards the host.</summary>
    [Range(1, 4096)]
    public int MaxRequestsInFlight { get; set; } = 64;

    /// <summary>
    /// How a plugin whose worker ended is restarted: at most <see cref="Core.Manifest.RestartPolicy.MaxRestarts"/> restarts
    /// within <see cref="Core.Manifest.RestartPolicy.Window"/>, then the plugin is disabled (a <c>Disabled</c> event and a
    /// <c>plugin.disabled</c> record); under the same limits, or (<see cref="Core.Manifest.RestartLimits.Stricter"/>) limits
    /// multiplied by the factor after each resource kill in the window, floored at the safe minimums. A manifest's
    /// <c>restart:</c> can only make it stricter. Default: 3 restarts in 5 minutes, same limits.
    /// </summary>
    public Core.Manifest.RestartPolicy Restart { get; set; } = Core.Manifest.RestartPolicy.Default;

    /// <summary>How many times a crashed worker is restarted within <see cref="RestartWindow"/> before the plugin is disabled: <see cref="Restart"/>'s <c>MaxRestarts</c>.</summary>
    public int MaxRestarts
    {
        get => Restart.MaxRestarts;
        set => Restart = Restart with { MaxRestarts = value };
    }

    /// <summary>Window for <see cref="MaxRestarts"/>: <see cref="Restart"/>'s <c>Window</c>.</summary>
    public TimeSpan RestartWindow
    {
        get => Restart.Window;
        set => Restart = Restart with { Window = value };
    }

    /// <summary>Extra path aliases usable in file permission scopes (name without <c>$</c> → absolute path).</summary>
    public IDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Quota of each plugin's key-value store (<c>database:*</c>), in MiB.</summary>
    [Range(1, 1 << 20)]
    public int KeyValueQuotaMb { get; set; } = 64;

    /// <summary>
    /// Quota of each plugin's configuration (<c>config:write</c>, UTF-8 keys + JSON values), in KiB; a write that would pass
    /// it is refused with <c>invalid_params</c> and audited, nothing stored. Default 1,024 (1 MiB).
    /// </summary>
    [Range(1, 1 << 20)]
    public int ConfigQuotaKb { get; set; } = 1024;

    /// <summary>
    /// What a worker may cost the host whatever it sends: bytes in flight per worker and host-wide, audit records and log
    /// lines per interval. See <see cref="Broker.Budgets.BudgetOptions"/> for the defaults.
    /// </summary>
    [Microsoft.Extensions.Options.ValidateObjectMembers]
    public Broker.Budgets.BudgetOptions Budgets { get; set; } = new();

    /// <summary>Limits of brokered HTTP (request and response sizes, time, redirects).</summary>
    public Broker.Http.BrokerHttpOptions Http { get; set; } = new();

    /// <summary>
    /// Resolves host names for brokered HTTP; default: the system resolver. Every address it returns
    /// is still checked (loopback, private and link-local ranges need an explicit grant).
    /// </summary>
    public Func<string, CancellationToken, Task<System.Net.IPAddress[]>>? NameResolver { get; set; }

    /// <summary>
    /// The environment plugins may be granted variables from (<c>env:read</c>); default: this
    /// process's environment. Only granted names ever reach a worker.
    /// </summary>
    public IDictionary<string, string>? Environment { get; set; }

    /// <summary>
    /// How the watchdog samples workers and escalates (interval, warn ratio, throttle and kill
    /// thresholds); default: one sample a second, throttle after 3 violations, kill after 10.
    /// </summary>
    [Microsoft.Extensions.Options.ValidateObjectMembers]
    public Monitoring.WatchdogOptions Watchdog { get; set; } = new();

    /// <summary>
    /// What a plugin folder may hold when it is installed (sizes per file and in all, entries) and how long
    /// reading it may take; default 64 MiB per file, 256 MiB in all, 10,000 entries, 2 minutes.
    /// </summary>
    public Linux.FileSystem.PluginFolderLimits PluginFolderLimits { get; set; } = Linux.FileSystem.PluginFolderLimits.Default;

    // --- cgroups (issue 16, the cgroup engineer's block) ---

    /// <summary>
    /// Where the workers' cgroups are made (kernel-held memory, CPU share and task limits): by default the host's own
    /// cgroup when it is writable (v2 first, then v1 controllers), else none (rlimits and the watchdog only). A path or a
    /// required backend that cannot be used refuses the load unless <see cref="Linux.Cgroups.CgroupOptions.AllowDowngrade"/> is set
    /// (then the downgrade is audited as <c>level.downgrade</c>).
    /// </summary>
    public Linux.Cgroups.CgroupOptions Cgroups { get; set; } = new();
}
