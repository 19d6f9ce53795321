namespace Stockade.Hosting.Workers;

/// <summary>How a worker process ended.</summary>
/// <param name="ExitCode">The exit status; 128+N means killed by signal N (as the shell reports it).</param>
/// <param name="KillReason">Why the host killed it, when it did.</param>
/// <param name="ProtocolViolation">The violation that ended it, if any.</param>
internal sealed record WorkerExit(int ExitCode, string? KillReason, string? ProtocolViolation)
{
    public string Describe()
    {
        if (ProtocolViolation is not null)
        {
            return $"ended for a protocol violation: {ProtocolViolation}";
        }

        if (KillReason is not null)
        {
            return $"killed by the host: {KillReason}";
        }

        return Linux.Launch.SandboxExitCodes.Describe(ExitCode);
    }
}
