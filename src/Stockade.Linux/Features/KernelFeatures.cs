using System.Diagnostics;
using Stockade.Linux.Landlock;

namespace Stockade.Linux.Features;

/// <summary>Measures what this machine can enforce (used by <c>stockade doctor</c> and before a launch).</summary>
public static class KernelFeatures
{
    private const uint SECCOMP_GET_ACTION_AVAIL = 2;
    private const int EFAULT = 14;

    private static readonly string[] SysctlFiles =
    [
        "/proc/sys/kernel/unprivileged_userns_clone",
        "/proc/sys/user/max_user_namespaces",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
        "/proc/sys/kernel/seccomp/actions_avail",
    ];

    /// <summary>Probes the kernel. Never throws: a feature that cannot be probed is reported as absent.</summary>
    public static KernelFeatureReport Probe(KernelFeatureProbeOptions? options = null)
    {
        options ??= new KernelFeatureProbeOptions();
        int abi = LandlockAbi.Probe();
        bool seccomp = SeccompFilterAvailable();
        bool tsync = seccomp && SeccompTsyncAvailable();
        (bool userns, string? usernsDetail) = UserNamespacesUsable(options);
        bool nnp = Interop.prctl(Interop.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) >= 0;

        EnforceableLevel level = (abi >= 1 && seccomp && tsync && nnp) switch
        {
            true when userns => EnforceableLevel.Strict,
            true => EnforceableLevel.Sandboxed,
            false => EnforceableLevel.Limited,
        };

        return new KernelFeatureReport
        {
            KernelRelease = ReadTrimmed("/proc/sys/kernel/osrelease") ?? "unknown",
            LandlockAbi = abi,
            LandlockErrata = abi > 0 ? LandlockAbi.ProbeErrata() : 0,
            SeccompFilter = seccomp,
            SeccompTsync = tsync,
            NoNewPrivileges = nnp,
            UserNamespacesUsable = userns,
            UserNamespacesDetail = usernsDetail,
            CgroupV1Memory = Directory.Exists("/sys/fs/cgroup/memory"),
            CgroupV2Memory = CgroupV2HasMemory(),
            DelegatedCgroupUsable = options.DelegatedCgroupPath is { } cg ? DelegatedCgroupUsable(cg) : null,
            Sysctls = SysctlFiles
                .Select(f => (Name: f["/proc/sys/".Length..].Replace('/', '.'), Value: ReadTrimmed(f)))
                .Where(s => s.Value is not null)
                .ToDictionary(s => s.Name, s => s.Value!, StringComparer.Ordinal),
            RunningAsRoot = Interop.geteuid() == 0,
            HighestEnforceableLevel = level,
        };
    }

    private static unsafe bool SeccompFilterAvailable()
    {
        uint action = Interop.SECCOMP_RET_KILL_PROCESS;
        return Interop.seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
    }

    // Flags are validated before the program is copied: EFAULT on a null program means the flag is known
    // (and nothing was installed); EINVAL means it is not.
    private static unsafe bool SeccompTsyncAvailable() =>
        Interop.seccomp(Interop.SECCOMP_SET_MODE_FILTER, Interop.SECCOMP_FILTER_FLAG_TSYNC, null) < 0 && Interop.LastErrno == EFAULT;

    private static (bool Usable, string? Detail) UserNamespacesUsable(KernelFeatureProbeOptions options)
    {
        if (!File.Exists(options.UnsharePath))
        {
            return (false, $"{options.UnsharePath} not found; install util-linux");
        }

        // Stage 0 starts with setpriv (parent-death signal, worker user), so strict needs it as much as unshare.
        if (!File.Exists("/usr/bin/setpriv"))
        {
            return (false, "/usr/bin/setpriv not found; install util-linux (strict starts workers through it)");
        }

        var start = new ProcessStartInfo(options.UnsharePath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (options.WorkerUserId is { } uid && uid != (int)Interop.geteuid())
        {
            // Test what the worker's user can do, the way stage 0 starts it (setpriv, then unshare).
            start.FileName = "/usr/bin/setpriv";
            foreach (string argument in new[] { $"--reuid={uid}", $"--regid={uid}", "--clear-groups", options.UnsharePath })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (string argument in new[] { "--user", "--map-root-user", "--net", "--pid", "--ipc", "--fork", "--mount", "--mount-proc", "--kill-child", "true" })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(start)!;
            if (!process.WaitForExit(options.UnshareTimeout))
            {
                process.Kill(entireProcessTree: true);
                return (false, $"unshare did not finish within {options.UnshareTimeout.TotalSeconds:0.#} s");
            }

            string error = process.StandardError.ReadToEnd().Trim();
            string who = start.FileName == options.UnsharePath ? string.Empty : $" as uid {options.WorkerUserId}";
            return process.ExitCode == 0 ? (true, null) : (false, $"unshare{who} exited with {process.ExitCode}: {error}");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (false, $"cannot run {options.UnsharePath}: {ex.Message}");
        }
    }

    private static bool CgroupV2HasMemory()
    {
        foreach (string root in new[] { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" })
        {
            string? controllers = ReadTrimmed(Path.Combine(root, "cgroup.controllers"));
            if (controllers is not null && controllers.Split(' ').Contains("memory"))
            {
                return true;
            }
        }

        return false;
    }

    private static bool DelegatedCgroupUsable(string path)
    {
        string procs = Path.Combine(path, "cgroup.procs");
        try
        {
            using var stream = new FileStream(procs, FileMode.Open, FileAccess.Write);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
