namespace Stockade.Linux.Launch;

/// <summary>
/// The one table of exit codes a sandboxed process can end with, shared by the launcher (stage 1), the worker
/// (stage 2) and the host that reads them; each code means one thing. The launcher's codes are written before
/// <c>execve</c>; after a successful exec the code is the worker's (or an executable plugin's) own. Signals are
/// reported by the shell convention 128 + signal number.
/// </summary>
internal static class SandboxExitCodes
{
    /// <summary>The worker answered <c>shutdown</c>, or the host closed its input.</summary>
    public const int Success = 0;

    /// <summary>The worker's command line was wrong (stderr shows its usage).</summary>
    public const int WorkerUsage = 1;

    /// <summary>The worker could not load the plugin (entry missing, no plugin class, constructor threw...).</summary>
    public const int WorkerBadPlugin = 2;

    /// <summary>The host broke the protocol (stderr says how).</summary>
    public const int WorkerHostProtocolViolation = 3;

    /// <summary>The launcher's setup failed (bad spec, cgroup join, user switch, rlimit, exec...): nothing was run (EX_SOFTWARE).</summary>
    public const int LauncherSetupFailure = 70;

    /// <summary>The launcher refused: the requested confinement cannot be enforced by this kernel (Landlock required but absent or partial, the canary found a hole).</summary>
    public const int LauncherConfinementUnavailable = 71;

    /// <summary>
    /// The worker refused to load the plugin because stage 2 could not confine it (seccomp not installed on every
    /// thread, or the canary found a hole). It used to share 70 with the launcher's setup failure.
    /// </summary>
    public const int WorkerConfinementFailed = 72;

    /// <summary>Aborted (SIGABRT, 128 + 6), e.g. the runtime's fail-fast.</summary>
    public const int Aborted = 134;

    /// <summary>Killed (SIGKILL, 128 + 9): by the host, the watchdog or the kernel's OOM killer.</summary>
    public const int Killed = 137;

    /// <summary>Segmentation fault (SIGSEGV, 128 + 11).</summary>
    public const int SegmentationFault = 139;

    /// <summary>Killed for exceeding RLIMIT_CPU (SIGXCPU, 128 + 24).</summary>
    public const int CpuTimeExceeded = 152;

    /// <summary>Killed by seccomp for a forbidden system call (SIGSYS, 128 + 31).</summary>
    public const int KilledBySeccomp = 159;

    /// <summary>Every code above with its meaning, in order (the documentation and the agreement test read this).</summary>
    public static IReadOnlyList<(int Code, string Name, string Meaning)> All { get; } =
    [
        (Success, nameof(Success), "ended normally"),
        (WorkerUsage, nameof(WorkerUsage), "exited: bad worker command line (exit 1)"),
        (WorkerBadPlugin, nameof(WorkerBadPlugin), "could not load the plugin (exit 2)"),
        (WorkerHostProtocolViolation, nameof(WorkerHostProtocolViolation), "ended because the host broke the protocol (exit 3)"),
        (LauncherSetupFailure, nameof(LauncherSetupFailure), "could not be confined by the launcher: its setup failed (exit 70)"),
        (LauncherConfinementUnavailable, nameof(LauncherConfinementUnavailable), "was refused by the launcher: the requested confinement cannot be enforced here (exit 71)"),
        (WorkerConfinementFailed, nameof(WorkerConfinementFailed), "refused to run the plugin: stage 2 could not confine every thread (exit 72)"),
        (Aborted, nameof(Aborted), "crashed (aborted, exit 134)"),
        (Killed, nameof(Killed), "was killed (SIGKILL, exit 137)"),
        (SegmentationFault, nameof(SegmentationFault), "crashed (segmentation fault, exit 139)"),
        (CpuTimeExceeded, nameof(CpuTimeExceeded), "was killed for exceeding its CPU time limit (SIGXCPU)"),
        (KilledBySeccomp, nameof(KilledBySeccomp), "was killed by seccomp for a forbidden system call (SIGSYS)"),
    ];

    /// <summary>True when the code says this machine cannot enforce the confinement asked for (<c>stockade doctor</c> explains).</summary>
    public static bool IsConfinementUnavailable(int exitCode) => exitCode is LauncherConfinementUnavailable or WorkerConfinementFailed;

    /// <summary>The meaning of <paramref name="exitCode"/> in words, after "the worker ...".</summary>
    public static string Describe(int exitCode) =>
        All.FirstOrDefault(e => e.Code == exitCode && e.Code != Success) is { Name: not null } known ? known.Meaning : $"exited with code {exitCode}";
}
