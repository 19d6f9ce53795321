using System.Runtime.CompilerServices;
using Stockade.Linux.Canary;
using Stockade.Linux.Launch;
using Stockade.Linux.Seccomp;

namespace Stockade.Worker;

/// <summary>
/// Stage 2 confinement, before any plugin code is loaded: seccomp with TSYNC on every thread, a
/// check that every thread reports seccomp mode 2, then a canary self-test (a forbidden read, write,
/// TCP connect, exec, signal to the parent, Unix socket, prlimit on the parent, clearing the parent-death signal,
/// a setuid bit, SysV shared memory and inotify must all fail). Any failure refuses to serve.
/// </summary>
/// <remarks>
/// The messages for a refusal are built in methods of their own, so the start path (every worker) does not load or
/// JIT-compile what only a refusal needs (docs/performance.md, session 11).
/// </remarks>
internal static class Stage2Confinement
{
    public static void Apply(bool allowExec)
    {
        // With a report descriptor from the host, denials are user notifications the host records (ObservedSeccomp).
        int report = -1;
        try
        {
            report = ObservedSeccomp.InstallOnAllThreads(allowExec);
        }
        catch (Exception ex)
        {
            Refuse("seccomp could not be installed: " + ex.Message);
        }

        StartupTrace.Mark("seccomp-installed");

        var threads = ThreadAudit.AllThreadsInSeccompFilterMode();
        if (!threads.AllInFilterMode)
        {
            RefuseUnconfined(threads);
        }

        StartupTrace.Mark("threads-audited");

        var canary = CanarySelfTest.Run(new CanaryOptions());
        if (!canary.AllBlocked)
        {
            RefuseLeaks(canary);
        }

        ObservedSeccomp.ReportReady(report, canary);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RefuseUnconfined(ThreadAuditResult threads)
    {
        var unconfined = string.Join(", ", threads.Unconfined.Select(t => t.ToString()));
        Refuse($"not every thread is confined by seccomp ({threads.Error ?? unconfined})");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RefuseLeaks(CanaryReport canary) =>
        Refuse("the canary self-test found a hole, refusing to load the plugin: " + canary.Holes());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Refuse(string message)
    {
        Console.Error.WriteLine($"stockade-worker: {message}");
        Environment.Exit(WorkerExitCodes.ConfinementUnavailable);
    }
}
