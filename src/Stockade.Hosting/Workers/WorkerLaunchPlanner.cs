using System.Diagnostics;
using System.Globalization;
using Stockade.Core.Manifest;
using Stockade.Linux.Cgroups;
using Stockade.Linux.Landlock;
using Stockade.Linux.Launch;

namespace Stockade.Hosting.Workers;

/// <summary>
/// Turns a <see cref="WorkerLaunchRequest"/> into the launcher's command line, its allow-listed
/// environment and its <see cref="LaunchSpec"/> (rlimits, Landlock rules, pins). The paths the .NET
/// runtime needs under Landlock are those measured in the field notes.
/// </summary>
internal static class WorkerLaunchPlanner
{
    private const LandlockFsAccess ReadOnly = LandlockFsAccess.ReadFile | LandlockFsAccess.ReadDir;
    private const LandlockFsAccess ReadWrite = ReadOnly | LandlockFsAccess.WriteFile | LandlockFsAccess.RemoveFile
        | LandlockFsAccess.RemoveDir | LandlockFsAccess.MakeReg | LandlockFsAccess.MakeDir | LandlockFsAccess.MakeSym
        | LandlockFsAccess.Truncate | LandlockFsAccess.Refer;

    /// <summary>Size of the private tmpfs on /tmp at strict: 64 MiB, memory the worker's cgroup (where one exists) is charged for.</summary>
    internal const long PrivateTmpBytes = 64L * 1024 * 1024;

    private static long s_cgroupSerial;

    /// <summary>
    /// The kernel limits of a worker's cgroup from its manifest limits. <c>pids.max</c> counts tasks (every thread of the
    /// worker and of its children): it is set to <c>threads</c> + <c>processes</c> (every process is at least one task,
    /// every thread is one), the most a worker within both limits can hold. A fork or thread bomb is held there by the
    /// kernel; the watchdog names the limit it broke and ends it at the next sample once <c>pids.events</c> shows a
    /// refusal (decision 51).
    /// </summary>
    /// <param name="limits">The manifest limits.</param>
    /// <param name="hostProcesses">Processes of the host's own making in the cgroup (stage 0's <c>unshare</c> at strict).</param>
    internal static CgroupLimits CgroupLimitsFor(Core.Manifest.ResourceLimits limits, int hostProcesses = 0) => new(
        MemoryBytes: (long)limits.MemoryMb * 1024 * 1024,
        CpuPercent: limits.CpuPercent,
        Tasks: limits.Threads + limits.Processes + hostProcesses);

    /// <summary>
    /// Plans the launch and, with a cgroup backend and <see cref="WorkerLaunchRequest.CgroupLimits"/>, creates the
    /// worker's cgroup first (the launcher joins it before anything else). The caller owns the returned cgroup: it is
    /// removed when the worker is gone (<see cref="WorkerProcess"/> disposes it after reading its counters).
    /// </summary>
    public static WorkerLaunchPlan Plan(WorkerLaunchRequest request, WorkerRuntime runtime, int hostPid, ICgroupBackend? cgroups)
    {
        IWorkerCgroup? cgroup = null;
        if (cgroups is { Kind: not CgroupBackendKind.None } && request.CgroupLimits is { } limits)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{request.PluginId}-{Interlocked.Increment(ref s_cgroupSerial)}");
            cgroup = cgroups.Create(name, limits, request.UserId);
        }

        try
        {
            return new WorkerLaunchPlan(Plan(request, runtime, hostPid, cgroup?.ProcsFiles ?? [], HoldsMemory(cgroup, request.CgroupLimits)), cgroup);
        }
        catch
        {
            cgroup?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True when the kernel shows <paramref name="cgroup"/>'s memory limit in force at the limit asked for (or lower):
    /// only then does the worker's RLIMIT_DATA get headroom (<see cref="ResourceLimitTable.Rlimits"/>). A cgroup without
    /// a memory controller, or one whose limit did not take, leaves RLIMIT_DATA at the manifest's figure.
    /// </summary>
    internal static bool HoldsMemory(IWorkerCgroup? cgroup, CgroupLimits? limits) =>
        cgroup is not null && limits?.MemoryBytes is long asked
        && cgroup.ReadCounters().MemoryLimitBytes is long inForce && inForce > 0 && inForce <= asked;

    /// <param name="request">What to start.</param>
    /// <param name="runtime">Where the launcher and the worker are.</param>
    /// <param name="hostPid">The host's pid (the launcher checks it is its parent).</param>
    /// <param name="cgroupProcsFiles">The worker cgroup's <c>cgroup.procs</c> files the launcher joins.</param>
    /// <param name="memoryCgroup">A memory cgroup holds the worker at its limit (<see cref="HoldsMemory"/>).</param>
    public static ProcessStartInfo Plan(WorkerLaunchRequest request, WorkerRuntime runtime, int hostPid, IReadOnlyList<string>? cgroupProcsFiles = null, bool memoryCgroup = false)
    {
        var spec = BuildSpec(request, runtime, hostPid, memoryCgroup);
        spec.CgroupProcsFiles = cgroupProcsFiles ?? [];
        var info = new ProcessStartInfo { WorkingDirectory = request.TempDirectory };
        if (request.Namespaces)
        {
            // Stage 0: setpriv ties the namespace's waiter to the host's life (PDEATHSIG), unshare
            // gives a private /proc, no network, its own pid and IPC namespaces; --kill-child ends the
            // sandbox when the waiter dies. unshare(CLONE_NEWUSER) cannot be called from a
            // multithreaded .NET process, hence the utilities.
            // The worker's user is taken by setpriv *before* unshare, so the user namespace belongs to that
            // uid, never to root. --map-root-user makes the launcher root *inside* it (the worker's uid
            // outside), with the capabilities to mount its private /tmp; it then drops every one of them
            // and locks the securebits before exec (LaunchSpec.PrivateTmpBytes, PrivilegeDrop).
            // setpriv sets PDEATHSIG after its own uid change, so the tie to the host survives.
            info.FileName = "/usr/bin/setpriv";
            if (request.UserId is int uid)
            {
                var gid = request.GroupId ?? uid;
                info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--reuid={uid}"));
                info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--regid={gid}"));
                info.ArgumentList.Add("--clear-groups");
            }

            foreach (var arg in new[] { "--pdeathsig", "KILL", "--", "/usr/bin/unshare", "--user", "--map-root-user", "--net", "--pid", "--ipc", "--fork", "--mount", "--mount-proc", "--kill-child", "--", runtime.LauncherPath })
            {
                info.ArgumentList.Add(arg);
            }
        }
        else
        {
            info.FileName = runtime.LauncherPath;
        }

        info.ArgumentList.Add("--spec");
        info.ArgumentList.Add(spec.ToArgument());
        info.Environment.Clear();
        foreach (var (name, value) in BuildEnvironment(request))
        {
            info.Environment[name] = value;
        }

        return info;
    }

    internal static LaunchSpec BuildSpec(WorkerLaunchRequest request, WorkerRuntime runtime, int hostPid, bool memoryCgroup = false)
    {
        string executable;
        var argv = new List<string>();
        if (request.IsDotnet)
        {
            executable = runtime.WorkerExecutable; // dotnet, or a self-contained app's worker apphost (WorkerRuntime)
            argv.AddRange(runtime.WorkerCommand);
            argv.AddRange(["--plugin-dir", request.PluginDirectory, "--entry", request.Entry]);
            if (request.EntryType is not null)
            {
                argv.AddRange(["--type", request.EntryType]);
            }

            if (request.Seccomp)
            {
                argv.Add("--seccomp");
            }

            if (request.AllowExec)
            {
                argv.Add("--allow-exec");
            }
        }
        else if (request.Interpreter is not null && !request.IsNativeAot) // a native entry is the executable itself
        {
            executable = request.Interpreter;
            argv.AddRange([request.Interpreter, Path.Combine(request.PluginDirectory, request.Entry)]);
        }
        else
        {
            executable = Path.Combine(request.PluginDirectory, request.Entry);
            argv.Add(executable);
        }

        return new LaunchSpec
        {
            Executable = executable,
            Arguments = argv,
            WorkingDirectory = request.TempDirectory,
            Rlimits = Rlimits(request.Resources, memoryCgroup),
            NoNewPrivileges = true,
            Landlock = request.Landlock ? BuildLandlock(request, runtime, executable) : null,

            // The .NET worker installs its filter itself (stage 2, all threads); an executable plugin
            // cannot, so the launcher installs the same filter just before it execs one.
            Seccomp = request.Seccomp && !request.IsDotnet
                ? new LaunchSeccomp { AllowExec = request.AllowExec, Profile = ProfileOf(request) }
                : null,
            // Under namespaces setpriv already switched user (see Plan).
            User = request.UserId is int uid && !request.Namespaces ? new LaunchUser { Uid = (uint)uid, Gid = (uint)(request.GroupId ?? uid) } : null,
            PrivateTmpBytes = request.Namespaces ? PrivateTmpBytes : null,
            ParentDeathSignal = 9,

            // Inside a pid namespace the parent is not nameable (getppid() == 0); the check only
            // makes sense when the launcher is the host's direct child.
            ExpectedParentPid = request.Namespaces ? null : hostPid,

            // The kernel report (Kernel/): the .NET worker reports its own filter on it, so it inherits it.
            ReportFd = request.KernelReportFd,
            InheritFds = request.KernelReportFd is int report && request.IsDotnet ? [0, 1, 2, report] : [0, 1, 2],
        };
    }

    /// <summary>
    /// The launcher's rlimits, one per rlimit row of the resource-limit table (an unlimited row is inherited), and no
    /// core dumps (a dump would write the worker's memory, secrets included, where the plugin may read it).
    /// </summary>
    internal static LaunchRlimits Rlimits(ResourceLimits resources, bool memoryCgroup)
    {
        var rlimits = new LaunchRlimits { CoreBytes = 0 };
        foreach (var (limit, value) in ResourceLimitTable.Rlimits(resources, memoryCgroup))
        {
            rlimits.Set(limit.Rlimit!, value);
        }

        return rlimits;
    }

    private static LaunchLandlock BuildLandlock(WorkerLaunchRequest request, WorkerRuntime runtime, string executable)
    {
        var rules = new Dictionary<string, LandlockFsAccess>(StringComparer.Ordinal);
        void Add(string path, LandlockFsAccess access)
        {
            if (!Path.Exists(path))
            {
                return;
            }

            // A rule on a regular file may only carry file rights.
            if (File.Exists(path))
            {
                access &= LandlockFsAccess.ReadFile | LandlockFsAccess.WriteFile | LandlockFsAccess.Execute | LandlockFsAccess.Truncate | LandlockFsAccess.IoctlDev;
            }

            rules[path] = rules.TryGetValue(path, out var existing) ? existing | access : access;
        }

        // The system part (interpreter, libraries, procfs/sysfs, devices, time zone) has one source of truth.
        foreach (var rule in DotnetRuntimeRules.System())
        {
            Add(rule.Path, Join(rule.Access));
        }

        Add(request.PluginDirectory, ReadOnly);
        Add(request.DataDirectory, ReadWrite);
        Add(request.TempDirectory, ReadWrite);
        if (request.Namespaces)
        {
            // The launcher opens this path after mounting the worker's own tmpfs on it: the rule names the private
            // /tmp, never the host's (where its diagnostics and other programs' sockets live).
            Add("/tmp", ReadWrite);
        }
        if (request.IsDotnet)
        {
            foreach (var rule in DotnetRuntimeRules.For(runtime.RuntimeRoot, runtime.WorkerDirectory, []))
            {
                Add(rule.Path, Join(rule.Access));
            }
        }
        else
        {
            Add(WorkerRuntime.RealPath(executable), LandlockFsAccess.ReadFile | LandlockFsAccess.Execute);
            // The interpreter's runtime profile: what it was measured to need, and not what another interpreter needs.
            foreach (var path in ScriptRuntimeRules.ReadOnlyPaths(ProfileOf(request)))
            {
                Add(path, ReadOnly);
            }
        }

        foreach (var grant in request.GrantedPaths)
        {
            var access = LandlockFsAccess.None;
            if (grant.Read)
            {
                access |= ReadOnly;
            }

            if (grant.Write)
            {
                access |= ReadWrite;
            }

            if (grant.Delete)
            {
                access |= LandlockFsAccess.RemoveFile | LandlockFsAccess.RemoveDir;
            }

            if (grant.Execute)
            {
                access |= LandlockFsAccess.ReadFile | LandlockFsAccess.Execute;
            }

            Add(grant.Path, access);
        }

        return new LaunchLandlock
        {
            Required = true,
            PathRules = [.. rules.Select(r => new LaunchPathRule { Path = r.Key, Access = Split(r.Value) })],
            ConnectTcpPorts = [],
            BindTcpPorts = [],
            ScopeSignals = true,
            ScopeAbstractSockets = true,
            PinPaths = [.. DotnetRuntimeRules.PinPaths],
        };
    }

    // The allow-list (and runtime paths) of an executable plugin: NativeAOT by its manifest, an interpreter by its name.
    internal static Linux.Seccomp.SeccompProfile ProfileOf(WorkerLaunchRequest request) =>
        request.IsNativeAot ? Linux.Seccomp.SeccompProfile.NativeAot : LaunchSeccomp.ProfileFor(request.Interpreter);

    private static LandlockFsAccess Join(IEnumerable<LandlockFsAccess> access) =>
        access.Aggregate(LandlockFsAccess.None, (all, one) => all | one);

    private static LandlockFsAccess[] Split(LandlockFsAccess access) =>
        [.. Enum.GetValues<LandlockFsAccess>().Where(v => v != LandlockFsAccess.None && access.HasFlag(v))];

    internal static Dictionary<string, string> BuildEnvironment(WorkerLaunchRequest request)
    {
        var tmp = Path.Combine(request.TempDirectory, "tmp");
        Directory.CreateDirectory(tmp);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOME"] = request.TempDirectory,
            ["TMPDIR"] = tmp,
            ["LANG"] = "C.UTF-8",
        };

        // A NativeAOT plugin is the .NET runtime too (its GC reads the same variables): the same settings, the same cap.
        if (request.IsDotnet || request.IsNativeAot)
        {
            env["DOTNET_EnableDiagnostics"] = "0";
            env["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
            env["DOTNET_gcServer"] = "0";
            env["DOTNET_LTTng"] = "0";
            env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

            // The GC heap gets about two thirds of the memory limit so managed code sees a catchable
            // OutOfMemoryException before the kernel refuses native allocations (RLIMIT_DATA, or the memory
            // cgroup when one holds the worker: RLIMIT_DATA then has headroom, ResourceLimitTable.Rlimits).
            var heap = (long)request.Resources.MemoryMb * 1024 * 1024 * 2 / 3;
            env["DOTNET_GCHeapHardLimit"] = "0x" + heap.ToString("x", CultureInfo.InvariantCulture);
            if (request.KernelReportFd is int report && request.IsDotnet)
            {
                env[KernelReport.DescriptorVariable] = report.ToString(CultureInfo.InvariantCulture);
            }
        }

        foreach (var (name, value) in request.Environment)
        {
            if (IsForbiddenEnvironmentName(name))
            {
                continue;
            }

            env[name] = value;
        }

        return env;
    }

    /// <summary>Names that change how the runtime or the loader behaves are never passed, whatever was granted.</summary>
    internal static bool IsForbiddenEnvironmentName(string name) =>
        name.StartsWith("LD_", StringComparison.Ordinal)
        || name.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("COMPlus_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("CORECLR_", StringComparison.OrdinalIgnoreCase)
        || name is "PATH" or "HOME" or "TMPDIR" or "PYTHONPATH" or "PYTHONSTARTUP" or "PYTHONHOME";
}

/// <summary>A planned launch: the launcher's start info and the worker's cgroup (null without a cgroup backend), which the caller owns.</summary>
internal sealed record WorkerLaunchPlan(ProcessStartInfo StartInfo, IWorkerCgroup? Cgroup);
