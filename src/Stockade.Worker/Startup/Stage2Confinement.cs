namespace Stockade.Worker;

// Stage 2 confinement: seccomp with TSYNC on every thread, then a check that every thread reports seccomp mode 2.
// The Linux engineer's seccomp code is wired in here by the lead; until then --seccomp refuses to run unconfined.
internal static class Stage2Confinement
{
    public static void Apply(bool allowExec)
    {
        _ = allowExec;
        Console.Error.WriteLine("stockade-worker: seccomp not wired yet");
        Environment.Exit(WorkerExitCodes.ConfinementUnavailable);
    }
}
