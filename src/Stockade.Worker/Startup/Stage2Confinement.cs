using Stockade.Linux.Canary;
using Stockade.Linux.Launch;
using Stockade.Linux.Seccomp;

namespace Stockade.Worker;

/// <summary>
/// Stage 2 confinement, before any plugin code is loaded: seccomp with TSYNC on every thread, a
/// check that every thread reports seccomp mode 2, then a canary self-test (a forbidden read, write,
/// TCP connect, exec and signal to the parent must all fail). Any failure refuses to serve.
/// </summary>
internal static class Stage2Confinement
{
    public static void Apply(bool allowExec)
    {
        try
        {
            SeccompFilter.InstallOnAllThreads(WorkerSeccompPolicy.Build(allowExec));
        }
        catch (Exception ex)
        {
            Refuse($"seccomp could not be installed: {ex.Message}");
        }

        StartupTrace.Mark("seccomp-installed");

        var threads = ThreadAudit.AllThreadsInSeccompFilterMode();
        if (!threads.AllInFilterMode)
        {
            var unconfined = string.Join(", ", threads.Unconfined.Select(t => $"{t.ToString()}"));
            Refuse($"not every thread is confined by seccomp ({threads.Error ?? unconfined})");
        }

        StartupTrace.Mark("threads-audited");

        var canary = CanarySelfTest.Run(new CanaryOptions());
        if (!canary.AllBlocked)
        {
            var leaks = canary.Probes.Where(p => p.Outcome is CanaryOutcome.Allowed or CanaryOutcome.Inconclusive)
                .Select(p => $"{p.Name}: {p.Outcome} ({p.Detail})");
            Refuse($"the canary self-test found a hole, refusing to load the plugin: {string.Join("; ", leaks)}");
        }
    }

    private static void Refuse(string message)
    {
        Console.Error.WriteLine($"stockade-worker: {message}");
        Environment.Exit(WorkerExitCodes.ConfinementUnavailable);
    }
}
