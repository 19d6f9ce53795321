using System.Globalization;

namespace Stockade.Hosting.Workers;

/// <summary>
/// The cause of a worker's end, as the audit records it (<c>worker.exited</c>, <c>plugin.start_failed</c>): one of
/// <c>stopped</c>, <c>timeout</c>, <c>cancelled</c>, <c>protocol_violation</c>, <c>stream_ended</c>, <c>limit</c>,
/// <c>killed</c>, <c>seccomp</c>, <c>signal</c>, <c>exit_code</c>; with the signal's name, the exit code, the limit and
/// who ended it (<c>host</c>, <c>watchdog</c>, <c>broker</c>, <c>kernel</c>, <c>plugin</c>) where they apply.
/// </summary>
internal sealed record WorkerEnd(string Cause, string By, int ExitCode, string? Signal, string? Limit, string? Reason)
{
    /// <summary>The resource verdict behind a <c>limit</c> cause, with its figures.</summary>
    public ResourceKill? ResourceKill { get; init; }

    private static readonly string[] SignalNames =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",
        "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>
    /// Classifies an exit. The host's own kill wins (it knows why); then a resource verdict (<see cref="KillJudge"/>: the
    /// kernel ended it for a limit, with the figures that show it); then the signal (128+N, as .NET and the shell report
    /// a signalled child: SIGSYS is seccomp's kill); then a worker that exits by itself while the host drains it was
    /// stopped; else the exit code. A signal alone (SIGXCPU, SIGXFSZ, SIGKILL) names no limit: a plugin can send it to itself.
    /// </summary>
    public static WorkerEnd Of(WorkerExit exit, ResourceKill? resourceKill = null)
    {
        var signal = SignalName(exit.ExitCode);
        if (exit.Kill is { } kind)
        {
            var (cause, by) = kind switch
            {
                WorkerKillKind.Stopped => ("stopped", "host"),
                WorkerKillKind.Timeout => ("timeout", "host"),
                WorkerKillKind.Cancelled => ("cancelled", "host"),
                WorkerKillKind.ProtocolViolation => ("protocol_violation", "host"),
                WorkerKillKind.StreamEnded => ("stream_ended", "host"),
                WorkerKillKind.Watchdog => ("limit", "watchdog"),
                WorkerKillKind.Broker => ("killed", "broker"),
                _ => ("killed", "host"),
            };
            var watchdog = kind == WorkerKillKind.Watchdog ? resourceKill : null;
            return new WorkerEnd(cause, by, exit.ExitCode, signal, watchdog?.Key, exit.KillReason ?? exit.ProtocolViolation) { ResourceKill = watchdog };
        }

        if (resourceKill is { By: "kernel" } verdict)
        {
            return new WorkerEnd("limit", "kernel", exit.ExitCode, signal, verdict.Key, verdict.Describe()) { ResourceKill = verdict };
        }

        return signal switch
        {
            "SIGSYS" => new WorkerEnd("seccomp", "kernel", exit.ExitCode, signal, null, "killed by seccomp for a forbidden system call"),
            not null => new WorkerEnd("signal", "kernel", exit.ExitCode, signal, null, $"killed by {signal}"),
            null when exit.StateAtExit == WorkerState.Draining => new WorkerEnd("stopped", "host", exit.ExitCode, null, null, "it exited when the host asked it to stop"),
            _ => new WorkerEnd("exit_code", "plugin", exit.ExitCode, null, null, $"exited with code {exit.ExitCode.ToString(CultureInfo.InvariantCulture)}"),
        };
    }

    /// <summary>The signal named by a 128+N exit status, or null.</summary>
    public static string? SignalName(int exitCode) =>
        exitCode > 128 && exitCode - 128 < SignalNames.Length ? SignalNames[exitCode - 128] : null;

    /// <summary>The record's details: cause, by, pid, state, and exitCode, signal, limit and reason where known.</summary>
    public Dictionary<string, string> Details(int pid, WorkerState state, string role)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cause"] = Cause,
            ["by"] = By,
            ["pid"] = pid.ToString(CultureInfo.InvariantCulture),
            ["state"] = WorkerStateMachine.Name(state),
            ["role"] = role,
        };
        if (Signal is not null)
        {
            details["signal"] = Signal;
        }
        else if (ExitCode >= 0)
        {
            details["exitCode"] = ExitCode.ToString(CultureInfo.InvariantCulture);
        }

        if (Limit is not null)
        {
            details["limit"] = Limit;
        }

        if (ResourceKill is { Limit.Length: > 0 } kill)
        {
            details["limitValue"] = kill.Limit;
            details["observed"] = kill.Observed;
        }

        if (Reason is not null)
        {
            details["reason"] = Reason.Length > 300 ? Reason[..300] + "…" : Reason;
        }

        return details;
    }
}
