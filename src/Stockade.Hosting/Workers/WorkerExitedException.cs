namespace Stockade.Hosting.Workers;

/// <summary>The worker process ended while a call was in flight.</summary>
internal sealed class WorkerExitedException(WorkerExit exit, IReadOnlyList<string> stderr)
    : Exception($"the worker {exit.Describe()}")
{
    public WorkerExit Exit { get; } = exit;

    public IReadOnlyList<string> Stderr { get; } = stderr;
}
