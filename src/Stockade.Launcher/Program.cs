using System.ComponentModel;
using System.Runtime.InteropServices;
using Stockade.Linux;
using Stockade.Linux.Canary;
using Stockade.Linux.Landlock;
using Stockade.Linux.Launch;
using Stockade.Linux.Privileges;
using Stockade.Linux.Rlimits;
using Stockade.Linux.Seccomp;

namespace Stockade.Launcher;

/// <summary>
/// Stage 1: confine this process, then exec the target (for an executable plugin, with the worker's seccomp filter). Landlock below ABI 8 confines only the calling thread,
/// and this NativeAOT process already has a second runtime thread, so the exec is what makes the whole target
/// confined: it replaces every thread with one born inside the domain.
/// </summary>
internal static unsafe class Program
{
    private const string Prefix = "stockade-launcher: ";

    private static int Main(string[] args)
    {
        StartupTrace.Mark("launcher-start");
        // 1. Parse the spec. Nothing has been changed yet, so any failure here is harmless.
        if (!TryReadSpec(args, out LaunchSpec? spec, out string? error))
        {
            return Fail(SandboxExitCodes.LauncherSetupFailure, error);
        }

        string step = "prepare";
        try
        {
            // Everything exec needs is built now, so nothing is allocated or parsed after restrict_self.
            byte* executable = (byte*)Marshal.StringToCoTaskMemUTF8(spec.Executable);
            byte** argv = NativeArgv(spec.Arguments);

            // The filter names the address of `executable`: the one execve it lets through is ours.
            // With a report socket, every denial is a user notification the host answers (and records).
            bool observed = spec.ReportFd is not null;
            Interop.sock_filter[]? seccomp = spec.Seccomp is { } filter
                ? WorkerSeccompPolicy.BuildForLauncherExec(filter.Profile, filter.AllowExec, (ulong)executable, notifyDenials: observed)
                : null;
            Directory.SetCurrentDirectory(spec.WorkingDirectory);

            // 2. Join the worker's cgroup (every v1 controller's directory) while we may still be root, before any limit
            //    is relaxed or any plugin code runs: everything this process becomes, and forks, is charged there.
            step = "join cgroup";
            string self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string procs in spec.CgroupProcsFiles)
            {
                step = "join cgroup " + procs;
                File.WriteAllText(procs, self);
            }

            // 3. A private /tmp (strict): needs CAP_SYS_ADMIN, so before the drop.
            step = "mount a private /tmp";
            if (spec.PrivateTmpBytes is { } tmpBytes)
            {
                MountPrivateTmp(tmpBytes, KeptUnderTmp(spec));
            }

            // 4. No privileges: securebits locked, bounding set emptied, the dedicated user taken, every
            //    capability set cleared; then the kernel's own account is checked (fail secure).
            step = "drop privileges";
            bool complete = PrivilegeDrop.Apply(spec.User);
            IReadOnlyList<string> kept = PrivilegeDrop.Verify(CapabilitySnapshot.OfCurrentThread(), complete, spec.User);
            if (kept.Count > 0)
            {
                return Fail(SandboxExitCodes.LauncherConfinementUnavailable,
                    $"refusing to start: privileges remain after the drop: {string.Join("; ", kept)}");
            }

            // 5. Resource limits, with SIGXFSZ ignored so an oversize write is EFBIG, not death.
            step = "set rlimits";
            ApplyRlimits(spec.Rlimits);
            ResourceLimits.IgnoreFileSizeSignal();

            // 6. Die with the parent (set after the uid change, which clears it), and check it is still there.
            step = "set parent-death signal";
            if (spec.ParentDeathSignal is { } signal)
            {
                Interop.Check(Interop.prctl(Interop.PR_SET_PDEATHSIG, (nuint)signal, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
            }

            if (spec.ExpectedParentPid is { } parent && Interop.getppid() != parent)
            {
                return Fail(SandboxExitCodes.LauncherSetupFailure, $"the parent process {parent} is gone (parent is now {Interop.getppid()}); not starting an orphan");
            }

            // 7. no_new_privs: inherited across exec; Landlock and unprivileged seccomp need it.
            step = "set no_new_privs";
            if (spec.NoNewPrivileges)
            {
                Interop.Check(Interop.prctl(Interop.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
            }

            // 8. Landlock: probe, refuse what cannot be enforced, build one ruleset with pins and rules.
            step = "build the Landlock ruleset";
            List<SafeFdHandle> pins = [];
            LandlockRuleset? ruleset = null;
            if (spec.Landlock is { } landlock)
            {
                int abi = LandlockAbi.Probe();
                if (landlock.Required && (abi == 0 || abi < (landlock.MinimumAbi ?? 1)))
                {
                    return Fail(SandboxExitCodes.LauncherConfinementUnavailable,
                        $"Landlock is required (ABI >= {landlock.MinimumAbi ?? 1}) but this kernel has ABI {abi}: filesystem, network and IPC confinement would be missing; run `stockade doctor`");
                }

                ruleset = LandlockRuleset.Create(RequestedAttributes(landlock, abi), abi);
                pins = OpenPins(landlock.PinPaths);
                AddRules(ruleset, landlock, pins);
            }

            // 9. restrict_self. From here to execve only descriptor flags change.
            step = "landlock_restrict_self";
            LandlockStatus status = ruleset?.RestrictSelf(logAfterExec: true) ?? LandlockStatus.NotEnforced;
            if (spec.Landlock is { Required: true } && status != LandlockStatus.FullyEnforced)
            {
                return Fail(SandboxExitCodes.LauncherConfinementUnavailable,
                    $"Landlock is required but only {status} on ABI {ruleset?.Abi}: the requested network or scope rights are unknown to this kernel");
            }

            // 10. Close everything on exec except what the target must inherit.
            step = "close_range";
            Interop.Check(Interop.close_range(3, uint.MaxValue, Interop.CLOSE_RANGE_CLOEXEC), "close_range(3, ~0, CLOSE_RANGE_CLOEXEC)");
            foreach (int fd in spec.InheritFds.Concat(pins.Select(p => p.Fd)))
            {
                Interop.KeepAcrossExec(fd);
            }

            // 11. seccomp, last: after it, this process may make exactly one more execve, the one below. With a report
            //     socket the filter's listener goes to the host first (the canary's probes already reach it), and this
            //     process keeps no copy: the kernel made it close-on-exec, and it is closed here anyway.
            step = "install the seccomp filter";
            string landlockReport = LandlockReport(status, ruleset?.Abi ?? LandlockAbi.Probe());
            if (seccomp is not null)
            {
                if (observed)
                {
                    using SafeFdHandle? listener = ObservedSeccomp.InstallWithListenerOrPlain(seccomp,
                        () => WorkerSeccompPolicy.BuildForLauncherExec(spec.Seccomp!.Profile, spec.Seccomp.AllowExec, (ulong)executable));
                    KernelReport.Send(spec.ReportFd!.Value, landlockReport + KernelReport.Format(
                        KernelReport.Seccomp, "launcher", KernelReport.SeccompProfile, spec.Seccomp!.Profile.ToString(),
                        KernelReport.Listener, listener is null ? "none" : "attached"), listener?.Fd ?? -1);
                }
                else
                {
                    SeccompFilter.InstallOnAllThreads(seccomp);
                }

                // 10b. The canary under the plugin's own filter: a probe that gets through refuses the exec.
                step = "run the canary";
                var canary = CanarySelfTest.RunBeforeExec(new CanaryOptions { UnixSocketPath = spec.Seccomp!.CanarySocketPath });
                if (!canary.AllBlocked)
                {
                    return Fail(SandboxExitCodes.LauncherConfinementUnavailable, "the canary found a hole under the seccomp filter, not starting the plugin: " + canary.Holes());
                }

                if (observed)
                {
                    KernelReport.Send(spec.ReportFd!.Value, CanaryReportMessage(canary));
                }
            }
            else if (observed)
            {
                // The target installs its own filter (the .NET worker) and reports it on the same socket.
                KernelReport.Send(spec.ReportFd!.Value, landlockReport);
            }

            // 12. execve with our own environment (execv forwards environ unchanged).
            step = "execve";
            StartupTrace.Mark("launcher-exec");
            Interop.execv(executable, argv);
            int errno = Interop.LastErrno;
            GC.KeepAlive(pins);
            return Fail(SandboxExitCodes.LauncherSetupFailure,
                $"execve({spec.Executable}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); with Landlock, grant Execute on the file and on its ELF interpreter");
        }
        catch (Exception ex) when (ex is Win32Exception or IOException or UnauthorizedAccessException)
        {
            return Fail(SandboxExitCodes.LauncherSetupFailure, $"{step}: {ex.Message}");
        }
    }

    private static string LandlockReport(LandlockStatus status, int abi) => KernelReport.Format(
        KernelReport.Phase, KernelReport.PhaseConfined, KernelReport.From, "launcher",
        KernelReport.Landlock, status.ToString(), KernelReport.LandlockAbi, KernelReport.Number(abi),
        KernelReport.LandlockLog, status != LandlockStatus.NotEnforced && LandlockRuleset.LogsAfterExec(abi) ? "new-exec" : "off");

    private static string CanaryReportMessage(CanaryReport canary)
    {
        int blocked = 0;
        foreach (CanaryProbeResult probe in canary.Probes)
        {
            blocked += probe.Outcome == CanaryOutcome.Blocked ? 1 : 0;
        }

        return KernelReport.Format(KernelReport.Phase, KernelReport.PhaseReady, KernelReport.From, "launcher",
            KernelReport.CanaryProbes, KernelReport.Number(canary.Probes.Count), KernelReport.CanaryBlocked, KernelReport.Number(blocked));
    }

    private static bool TryReadSpec(string[] args, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LaunchSpec? spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        spec = null;
        if (args.Length == 2 && args[0] == "--spec")
        {
            return LaunchSpec.TryFromArgument(args[1], out spec, out error);
        }

        if (args.Length == 2 && args[0] == "--spec-file")
        {
            try
            {
                return LaunchSpec.TryFromJson(File.ReadAllText(args[1]), out spec, out error);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error = $"cannot read --spec-file {args[1]}: {ex.Message}";
                return false;
            }
        }

        error = "usage: stockade-launcher --spec <base64 LaunchSpec JSON> | --spec-file <path>";
        return false;
    }

    private static byte** NativeArgv(IReadOnlyList<string> arguments)
    {
        var argv = (byte**)NativeMemory.AllocZeroed((nuint)(arguments.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < arguments.Count; i++)
        {
            argv[i] = (byte*)Marshal.StringToCoTaskMemUTF8(arguments[i]);
        }

        return argv;
    }

    // A mount namespace of our own first, so the tmpfs can never land on the host's /tmp, whoever started us;
    // propagation private so nothing leaks back to a parent namespace. What the spec names under /tmp (a home or a
    // plugin folder there) is opened before the mount and bound back after it: the worker's /tmp then shows exactly
    // the paths it has rules for, and nothing else of the host's /tmp (sockets, other programs' files).
    private static void MountPrivateTmp(long bytes, List<string> keep)
    {
        Interop.Check(Interop.unshare(Interop.CLONE_NEWNS), "unshare(CLONE_NEWNS)");
        Interop.Check(Interop.mount(null, "/", null, (nuint)(Interop.MS_REC | Interop.MS_PRIVATE), null), "mount(/, MS_REC|MS_PRIVATE)");
        var held = new List<(string Path, SafeFdHandle Fd, bool Directory)>();
        foreach (string path in keep)
        {
            SafeFdHandle fd = Interop.open(path, Interop.O_PATH | Interop.O_CLOEXEC, 0);
            if (fd.IsInvalid)
            {
                Interop.Check(-1, $"open(\"{path}\", O_PATH) to keep it under the private /tmp");
            }

            held.Add((path, fd, Directory.Exists(path)));
        }

        string options = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"size={bytes},mode=0700");
        Interop.Check(Interop.mount("tmpfs", "/tmp", "tmpfs", (nuint)(Interop.MS_NOSUID | Interop.MS_NODEV | Interop.MS_NOEXEC), options),
            $"mount(tmpfs on /tmp, nosuid,nodev,noexec,{options})");
        foreach ((string path, SafeFdHandle fd, bool directory) in held)
        {
            Directory.CreateDirectory(directory ? path : Path.GetDirectoryName(path)!);
            if (!directory)
            {
                File.WriteAllBytes(path, []);
            }

            string source = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/proc/self/fd/{fd.Fd}");
            Interop.Check(Interop.mount(source, path, null, (nuint)(Interop.MS_BIND | Interop.MS_REC), null), $"mount(--bind {path} into the private /tmp)");
            fd.Dispose();
        }
    }

    // Paths under /tmp the target needs (its rules, working directory, executable), outermost first, nested ones dropped.
    private static List<string> KeptUnderTmp(LaunchSpec spec)
    {
        IEnumerable<string> named = (spec.Landlock?.PathRules.Select(r => r.Path) ?? [])
            .Append(spec.WorkingDirectory).Append(spec.Executable);
        var keep = new List<string>();
        foreach (string path in named.Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p))).Distinct(StringComparer.Ordinal).OrderBy(p => p.Length))
        {
            if (path.StartsWith("/tmp/", StringComparison.Ordinal) && Path.Exists(path)
                && !keep.Any(k => path.StartsWith(k + "/", StringComparison.Ordinal)))
            {
                keep.Add(path);
            }
        }

        return keep;
    }

    private static void ApplyRlimits(LaunchRlimits limits)
    {
        SetIfGiven(RlimitResource.OpenFiles, limits.OpenFiles);
        SetIfGiven(RlimitResource.FileSize, limits.FileSizeBytes);
        SetIfGiven(RlimitResource.Data, limits.DataBytes);
        SetIfGiven(RlimitResource.Cpu, limits.CpuSeconds);
        SetIfGiven(RlimitResource.Processes, limits.Processes);
        SetIfGiven(RlimitResource.Core, limits.CoreBytes);

        static void SetIfGiven(RlimitResource resource, long? value)
        {
            if (value is { } v)
            {
                ResourceLimits.Set(resource, v < 0 ? Interop.RLIM_INFINITY : (ulong)v);
            }
        }
    }

    // Every right the ABI knows is handled; what the spec explicitly relies on (port rules, scopes) is also
    // requested, so a kernel that lacks it yields PartiallyEnforced instead of silently allowing it.
    private static LandlockRulesetAttributes RequestedAttributes(LaunchLandlock landlock, int abi)
    {
        LandlockRulesetAttributes all = LandlockRulesetAttributes.AllKnownTo(abi);
        LandlockNetAccess net = all.HandledNet;
        if (landlock.ConnectTcpPorts.Count > 0)
        {
            net |= LandlockNetAccess.ConnectTcp;
        }

        if (landlock.BindTcpPorts.Count > 0)
        {
            net |= LandlockNetAccess.BindTcp;
        }

        LandlockScope scopes = LandlockScope.None;
        if (landlock.ScopeSignals)
        {
            scopes |= LandlockScope.Signal;
        }

        if (landlock.ScopeAbstractSockets)
        {
            scopes |= LandlockScope.AbstractUnixSocket;
        }

        return all with { HandledNet = net, Scoped = scopes };
    }

    private static List<SafeFdHandle> OpenPins(IReadOnlyList<string> paths)
    {
        var pins = new List<SafeFdHandle>();
        foreach (string path in paths)
        {
            // No O_CLOEXEC: the pin must outlive execve so the rule's inode stays the live one.
            SafeFdHandle pin = Interop.open(ResolveSelf(path), Interop.O_PATH, 0);
            if (pin.IsInvalid)
            {
                Interop.Check(-1, $"open(\"{path}\", O_PATH) for a pin");
            }

            pins.Add(pin);
        }

        return pins;
    }

    private static void AddRules(LandlockRuleset ruleset, LaunchLandlock landlock, List<SafeFdHandle> pins)
    {
        var pinned = new Dictionary<string, SafeFdHandle>(StringComparer.Ordinal);
        for (int i = 0; i < pins.Count; i++)
        {
            pinned[ResolveSelf(landlock.PinPaths[i])] = pins[i];
        }

        foreach (LaunchPathRule rule in landlock.PathRules)
        {
            string path = ResolveSelf(rule.Path);
            LandlockFsAccess access = rule.Access.Aggregate(LandlockFsAccess.None, (all, one) => all | one);
            if (pinned.TryGetValue(path, out SafeFdHandle? pin))
            {
                ruleset.AddPathRule(pin, access, Directory.Exists(path));
            }
            else
            {
                ruleset.AddPathRule(path, access);
            }
        }

        foreach (int port in landlock.ConnectTcpPorts)
        {
            ruleset.AddNetPortRule((ushort)port, LandlockNetAccess.ConnectTcp);
        }

        foreach (int port in landlock.BindTcpPorts)
        {
            ruleset.AddNetPortRule((ushort)port, LandlockNetAccess.BindTcp);
        }
    }

    // /proc/self would follow whichever process looks it up; the rule must name this pid, which exec keeps.
    private static string ResolveSelf(string path) =>
        path == "/proc/self" || path.StartsWith("/proc/self/", StringComparison.Ordinal)
            ? string.Concat("/proc/", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), path.AsSpan(10))
            : path;

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine(Prefix + message);
        return code;
    }
}
