namespace Stockade.Hosting.Workers;

/// <summary>How a worker process ended.</summary>
/// <param name="ExitCode">The exit status; 128+N means killed by signal N (as the shell reports it).</param>
/// <param name="KillReason">Why the host killed it, when it did.</param>
/// <param name="ProtocolViolation">The violation that ended it, if any.</param>
internal sealed record WorkerExit(int ExitCode, string? KillReason, string? ProtocolViolation)
{
    /// <summary>Why the host killed it, when it did.</summary>
    public WorkerKillKind? Kill { get; init; }

    /// <summary>The state it was in when it ended (starting, ready, draining).</summary>
    public WorkerState StateAtExit { get; init; } = WorkerState.Ready;

    /// <summary>What the worker's cgroup counted, read after the exit and before the cgroup was removed (the evidence a kill is named from); null without a cgroup.</summary>
    public Linux.Cgroups.CgroupCounters? Cgroup { get; init; }

    /// <summary>
    /// True when the process was a process plugin (any language), not the .NET worker: after exec its exit codes are its
    /// own, so the worker's table (1 = bad worker command line, 2, 3, 72) does not apply; the launcher's codes and signals do.
    /// </summary>
    public bool OwnExitCodes { get; init; }

    /// <summary>True when the host was stopping it on purpose (unload, reload, shutdown…): not a crash.</summary>
    public bool StoppedByHost => Kill == WorkerKillKind.Stopped || (Kill is null && StateAtExit == WorkerState.Draining);

    public string Describe()
    {
        if (ProtocolViolation is not null)
        {
            return $"ended for a protocol violation: {ProtocolViolation}";
        }

        if (Kill == WorkerKillKind.StreamEnded)
        {
            return $"closed its protocol stream and was ended by the host ({KillReason})";
        }

        if (KillReason is not null)
        {
            return $"killed by the host: {KillReason}";
        }

        if (OwnExitCodes && ExitCode is > 0 and < 128 && ExitCode is not (Linux.Launch.SandboxExitCodes.LauncherSetupFailure or Linux.Launch.SandboxExitCodes.LauncherConfinementUnavailable))
        {
            return $"exited with code {ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }

        return Linux.Launch.SandboxExitCodes.Describe(ExitCode);
    }
}
