using Stockade.Core.Manifest;
using Stockade.Core.Policy;
using Stockade.Hosting.Kernel;
using Stockade.Linux.Landlock;
using Stockade.Linux.Features;

namespace Stockade.Hosting;

/// <summary>
/// Says, for a policy on this machine, who enforces each guarantee — the kernel, only the broker,
/// the watchdog, or nothing — and which level the machine can enforce at most (fail secure).
/// </summary>
public static class GuaranteeReport
{
    /// <summary>The highest level this machine can enforce.</summary>
    public static SecurityLevel HighestLevel(KernelFeatureReport features) => features.HighestEnforceableLevel switch
    {
        EnforceableLevel.Strict => SecurityLevel.Strict,
        EnforceableLevel.Sandboxed => SecurityLevel.Sandboxed,
        _ => SecurityLevel.Limited,
    };

    /// <summary>What the machine lacks to enforce <paramref name="level"/>; empty when it can.</summary>
    public static IReadOnlyList<string> MissingFor(SecurityLevel level, KernelFeatureReport features)
    {
        var missing = new List<string>();
        if (level >= SecurityLevel.Sandboxed)
        {
            if (features.LandlockAbi < 1)
            {
                missing.Add("Landlock is not available (file and TCP confinement): kernel ≥ 5.13 with CONFIG_SECURITY_LANDLOCK and 'landlock' in the lsm= boot list");
            }

            if (!features.SeccompFilter || !features.SeccompTsync)
            {
                missing.Add("seccomp filters with TSYNC are not available (system-call confinement of every thread)");
            }

            if (!features.NoNewPrivileges)
            {
                missing.Add("PR_SET_NO_NEW_PRIVS is not available");
            }
        }

        if (level >= SecurityLevel.Strict && !features.UserNamespacesUsable)
        {
            missing.Add($"unprivileged user namespaces are not usable (private /proc, no network): {features.UserNamespacesDetail ?? "unshare --user failed"}");
        }

        return missing;
    }

    /// <summary>Every guarantee of <paramref name="policy"/> and who enforces it here.</summary>
    public static IReadOnlyList<Guarantee> For(SandboxPolicy policy, KernelFeatureReport features, PluginRuntime runtime)
    {
        var level = policy.Level;
        var kernel = level >= SecurityLevel.Sandboxed;
        var landlock = $"Landlock ABI {features.LandlockAbi}";
        var list = new List<Guarantee>
        {
            kernel
                ? new("files: only $PLUGIN_DATA, $TEMP (read-write), the plugin folder (read-only) and granted paths", EnforcementLayer.Kernel, landlock)
                : new("files: only granted paths", EnforcementLayer.None, $"not enforced at '{level.ToName()}': the plugin can use any file its uid can"),
            kernel
                ? new("network: no direct sockets; HTTP only through the broker to granted hosts", EnforcementLayer.Kernel, "seccomp (no socket() at all) + Landlock TCP rules; broker checks host patterns and resolved addresses")
                : new("network: HTTP only to granted hosts", EnforcementLayer.Broker, "broker checks brokered requests only; direct sockets are not blocked at this level"),
            kernel
                ? new(policy.AllowExec ? "processes: only the granted executables" : "processes: no exec, no fork", EnforcementLayer.Kernel,
                    runtime == PluginRuntime.Dotnet ? "seccomp (execve/fork) + Landlock EXECUTE" : "seccomp installed by the launcher (execve/fork) + Landlock EXECUTE")
                : new("processes: only the granted executables", EnforcementLayer.None, "not enforced at this level"),
            kernel
                ? new("signals to the host and abstract Unix sockets", EnforcementLayer.Kernel, features.LandlockAbi >= 6 ? "Landlock scopes (ABI ≥ 6)" : "not available below Landlock ABI 6")
                : new("signals to the host and abstract Unix sockets", EnforcementLayer.None, "not enforced at this level"),
            new("environment: only granted variables; secret-looking names only by exact grant", EnforcementLayer.Kernel, "allow-listed envp built by the host, passed by execve"),
            new($"memory ≤ {policy.Resources.MemoryMb} MB", EnforcementLayer.Kernel, "RLIMIT_DATA + DOTNET_GCHeapHardLimit for private memory; shared anonymous mappings escape both (no delegated memory cgroup), so for them the watchdog's kill at the limit, within one sampling interval, is the bound"),
            new($"open files ≤ {policy.Resources.OpenFiles}", EnforcementLayer.Kernel, "RLIMIT_NOFILE"),
            new($"single file ≤ {policy.Resources.MaxFileMb} MB", EnforcementLayer.Kernel, "RLIMIT_FSIZE (SIGXFSZ ignored: writes fail with EFBIG)"),
            new($"CPU ≤ {policy.Resources.CpuPercent} % of a core", EnforcementLayer.Watchdog, "sampled every second; warn → throttle → kill"),
            new($"disk in $PLUGIN_DATA ≤ {policy.Resources.DiskMb} MB", EnforcementLayer.Watchdog, "sampled; killed over the quota"),
            new($"threads ≤ {policy.Resources.Threads}", EnforcementLayer.Watchdog, "sampled; warn → throttle → kill"),
            new($"call time ≤ {policy.Timeouts.Call.TotalSeconds:0.###} s, init ≤ {policy.Timeouts.Init.TotalSeconds:0.###} s, hooks ≤ {policy.Timeouts.Hook.TotalSeconds:0.###} s", EnforcementLayer.Kernel, "the host kills the worker process at the timeout"),
            new("brokered calls (hosts, services, config, store): declared ∩ granted, rate-limited, audited", EnforcementLayer.Broker, "permission check → rate limit → audit → perform"),
            new("worker dies with the host", EnforcementLayer.Kernel, kernel ? "PR_SET_PDEATHSIG from a dedicated spawner thread; seccomp keeps the plugin from clearing it" : "PR_SET_PDEATHSIG from a dedicated spawner thread"),
        };
        if (kernel)
        {
            // The allow-list's classes (issue 14): what the red team reached by name or by pid.
            list.Add(new("no reach into other processes or kernel objects: pid calls only on itself, no Unix sockets, no SysV IPC, no keyrings, no inotify/fanotify, no setuid bits",
                EnforcementLayer.Kernel, "seccomp allow-list (default EPERM), checked at start by the canary"));
            list.Add(HostDiagnosticsEndpoint.FindOpenSocket() is { } socket
                ? new("the host's .NET diagnostics endpoint", EnforcementLayer.Kernel, "out of the worker's reach (seccomp: no socket()); WARNING: " + HostDiagnosticsEndpoint.Warning(socket))
                : new("the host's .NET diagnostics endpoint", EnforcementLayer.Kernel, "off in this host"));
        }
        if (policy.Resources.CpuTimeSeconds is int cpu)
        {
            list.Add(new($"CPU time ≤ {cpu} s", EnforcementLayer.Kernel, "RLIMIT_CPU (SIGXCPU)"));
        }

        if (level == SecurityLevel.Strict)
        {
            list.Add(new("private /proc, no network interfaces, own pid namespace, own SysV/POSIX IPC, a private empty /tmp", EnforcementLayer.Kernel,
                "user/pid/net/mount/IPC namespaces via unshare(1); the launcher mounts a tmpfs on /tmp (nosuid, nodev, noexec) as root of the user namespace, then drops every capability"));
        }

        return list;
    }

    /// <summary>Subject prefix of the cgroup's task guarantee (one per report).</summary>
    internal const string TasksSubject = "tasks (threads of the worker and of its children)";

    /// <summary>
    /// The guarantees with the cgroup backend in: which rung of memory, CPU and tasks the kernel holds (the cgroup) and
    /// which the watchdog (the second line, and all that no controller holds: disk, open files, calls). Idempotent.
    /// </summary>
    internal static IReadOnlyList<Guarantee> WithCgroup(IReadOnlyList<Guarantee> guarantees, Linux.Cgroups.ICgroupBackend backend, ResourceLimits resources)
    {
        var list = guarantees.Where(g => !g.Subject.StartsWith(TasksSubject, StringComparison.Ordinal) && !g.Subject.StartsWith("cgroup:", StringComparison.Ordinal)).ToList();
        var kind = backend.Kind;
        if (kind == Linux.Cgroups.CgroupBackendKind.None)
        {
            list.Add(new("cgroup: none", EnforcementLayer.None, backend.Description));
            return list;
        }

        var v1 = kind == Linux.Cgroups.CgroupBackendKind.V1;
        var limits = Workers.WorkerLaunchPlanner.CgroupLimitsFor(resources);
        Replace("memory ≤", g => g with
        {
            Layer = EnforcementLayer.Kernel,
            Mechanism = v1
                ? "memory cgroup v1 (memory.limit_in_bytes, memsw too where swap is accounted): private and shared memory and page cache all count; at the limit the kernel reclaims, then its OOM killer ends the worker. Rungs: warn at 80 % (watchdog, from the cgroup's own figure), kill at the limit (kernel); v1 has no throttle rung for memory. DOTNET_GCHeapHardLimit still turns managed overuse into a catchable error first; RLIMIT_DATA has headroom here (it counts the runtime's reservations), so native allocations meet the cgroup"
                : "memory cgroup v2 (memory.max; memory.high at 90 % makes the kernel reclaim and slow the worker first): private and shared memory and page cache all count. Rungs: warn at 80 % (watchdog), throttle at memory.high (kernel), kill at memory.max (kernel OOM killer)",
        });
        Replace("CPU ≤", g => g with
        {
            Layer = EnforcementLayer.Kernel,
            Mechanism = (v1 ? "CFS quota (cpu.cfs_quota_us / cfs_period_us)" : "cpu.max")
                + " holds the worker and its children at the share. Rungs: the quota (kernel, always); demand above it (use + throttled time, from the cgroup) counts violations: warn at 80 %, throttle after 3 by halving the quota (kernel), kill after 10 (watchdog)",
        });
        Replace("threads ≤", g => g with
        {
            Mechanism = $"soft: sampled (the cgroup's task count included); warn → throttle → kill. The hard ceiling is the cgroup's pids.max of {limits.Tasks} tasks (kernel)",
        });
        list.Add(new($"{TasksSubject} ≤ {limits.Tasks}", EnforcementLayer.Kernel,
            $"pids.max counts tasks, so threads too: set to threads + processes; a fork or thread bomb gets EAGAIN there and the watchdog ends it at its next sample, naming the limit; with the freezer, a kill freezes, kills and thaws so nothing forks away"));
        list.Add(new("cgroup: " + (v1 ? "v1" : "v2"), EnforcementLayer.Kernel, backend.Description + "; one cgroup per worker, joined by the launcher before anything else runs, removed when the worker is gone (a new host removes those of a host that died)"));
        return list;

        void Replace(string prefix, Func<Guarantee, Guarantee> change)
        {
            var index = list.FindIndex(g => g.Subject.StartsWith(prefix, StringComparison.Ordinal));
            if (index >= 0)
            {
                list[index] = change(list[index]);
            }
        }
    }

    /// <summary>
    /// The privilege guarantee of a worker: under which uid it runs (<paramref name="user"/>, from the host's choice)
    /// and, when the host can switch (<paramref name="switched"/>), no capabilities at all.
    /// </summary>
    public static Guarantee Privileges(string user, bool switched) => switched
        ? new($"no privileges: {user}", EnforcementLayer.Kernel,
            "the launcher locks the securebits (NOROOT, NO_SETUID_FIXUP, KEEP_CAPS, NO_CAP_AMBIENT_RAISE), empties the bounding, ambient and inheritable sets, switches uid and checks /proc before exec (refuses otherwise)")
        : new($"no privileges: {user}", EnforcementLayer.Kernel,
            "the launcher clears every capability it holds and no_new_privs stops exec from granting any; the bounding set needs CAP_SETPCAP to empty and is left as the host has it");

    /// <summary>Subject of the system-call guarantee quoted from the worker's own report.</summary>
    internal const string SystemCallsSubject = "system calls outside the allow-list: denied on every thread";

    /// <summary>Subject of the guarantee on recording denied system calls.</summary>
    internal const string SyscallRecordsSubject = "denied system calls are recorded in the audit log";

    /// <summary>Subject of the guarantee on recording denied file accesses.</summary>
    internal const string FileRecordsSubject = "denied file accesses are recorded in the audit log";

    /// <summary>
    /// The predicted guarantees with what a started worker measured put in: Landlock as the launcher's
    /// <c>landlock_restrict_self</c> left it, the seccomp filter as the launcher or stage 2 installed it, the canary's
    /// count, and whether the host holds the filter's listener (then every denied call is recorded by the host).
    /// </summary>
    internal static IReadOnlyList<Guarantee> Measured(IReadOnlyList<Guarantee> predicted, KernelStartReport measured)
    {
        var list = predicted.Where(g => g.Subject is not (SystemCallsSubject or SyscallRecordsSubject or FileRecordsSubject)).ToList();
        var files = list.FindIndex(g => g.Subject.StartsWith("files:", StringComparison.Ordinal));
        if (files >= 0 && measured.Landlock is { } landlock)
        {
            var abi = measured.LandlockAbi is int n ? $"ABI {n}" : "ABI unknown";
            list[files] = landlock switch
            {
                LandlockStatus.FullyEnforced => list[files] with { Layer = EnforcementLayer.Kernel, Mechanism = $"Landlock {abi}, fully enforced (reported by the launcher after landlock_restrict_self)" },
                LandlockStatus.PartiallyEnforced => list[files] with { Layer = EnforcementLayer.Kernel, Mechanism = $"Landlock {abi}, partially enforced: some requested rights are unknown to this kernel (reported by the launcher)" },
                _ => list[files] with { Layer = EnforcementLayer.None, Mechanism = $"Landlock not enforced ({abi}), reported by the launcher" },
            };
        }

        if (measured.SeccompInstalledBy is { } by)
        {
            var canary = measured.CanaryProbes is int probes
                ? $"; the canary's probes: {measured.CanaryBlocked ?? 0} of {probes} blocked, {measured.CanaryDenialsObserved} of them seccomp denials answered by the host"
                : string.Empty;
            list.Add(new(SystemCallsSubject, EnforcementLayer.Kernel,
                $"seccomp allow-list ({measured.SeccompProfile ?? "unknown"} profile, default EPERM) installed by the {by} on every thread, reported before plugin code ran{canary}"));
        }
        else
        {
            list.Add(new(SystemCallsSubject, EnforcementLayer.None, "no seccomp filter was reported by this worker"));
        }

        list.Add(measured.ListenerHeld
            ? new(SyscallRecordsSubject, EnforcementLayer.Kernel,
                "seccomp user notification: the host holds the filter's listener, answers each denied call with EPERM and records it as syscall.blocked (layer kernel), floods summarised by the worker's audit budget")
            : new(SyscallRecordsSubject, EnforcementLayer.None, "only when the plugin reports them: the host holds no seccomp listener for this worker"));
        list.Add(new(FileRecordsSubject, EnforcementLayer.None,
            "file denials are audited only when the plugin reports them: Landlock reports denials only to the kernel audit log"
            + (measured.LandlockLogsAfterExec ? " (the launcher asked it to log this worker's)" : string.Empty)
            + ", which the host does not read and never switches on"));
        return list;
    }
}
