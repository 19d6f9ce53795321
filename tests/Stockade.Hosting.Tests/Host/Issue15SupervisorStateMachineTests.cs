using Stockade.Hosting.Workers;

namespace Stockade.Hosting.Tests.Host;

/// <summary>Issue 15: the worker state machine allows exactly its table, and a worker's end is classified by its cause.</summary>
[Trait("Issue", "15")]
public sealed class Issue15SupervisorStateMachineTests
{
    private static readonly HashSet<(WorkerState, WorkerState)> Legal =
    [
        (WorkerState.Starting, WorkerState.Ready), (WorkerState.Starting, WorkerState.Draining), (WorkerState.Starting, WorkerState.Stopped),
        (WorkerState.Ready, WorkerState.Draining), (WorkerState.Ready, WorkerState.Stopped), (WorkerState.Draining, WorkerState.Stopped),
        (WorkerState.Stopped, WorkerState.Disabled), (WorkerState.Disabled, WorkerState.Stopped),
    ];

    [Fact]
    public void TryMove_EveryPair_OnlyTheTableIsLegal()
    {
        foreach (var from in Enum.GetValues<WorkerState>())
        {
            foreach (var to in Enum.GetValues<WorkerState>())
            {
                var machine = new WorkerStateMachine(from);
                var moved = machine.TryMove(to) is not null;
                moved.ShouldBe(Legal.Contains((from, to)), $"{from} → {to}");
                machine.State.ShouldBe(moved ? to : from);
            }
        }
    }

    [Fact]
    public void TryMove_StoppedWorker_NeverServesAgain()
    {
        var machine = new WorkerStateMachine();
        machine.TryMove(WorkerState.Ready).ShouldBe(WorkerState.Starting);
        machine.TryMove(WorkerState.Stopped).ShouldBe(WorkerState.Ready);
        machine.TryMove(WorkerState.Ready).ShouldBeNull();
        machine.TryMove(WorkerState.Starting).ShouldBeNull();
        machine.TryMove(WorkerState.Draining).ShouldBeNull();
    }

    [Theory]
    [InlineData(159, null, null, "seccomp", "SIGSYS")]
    [InlineData(152, null, null, "signal", "SIGXCPU")] // issue 16: a signal alone names no limit (a plugin can send it to itself)
    [InlineData(139, null, null, "signal", "SIGSEGV")]
    [InlineData(137, "Timeout", "Ready", "timeout", "SIGKILL")]
    [InlineData(137, "Stopped", "Draining", "stopped", "SIGKILL")]
    [InlineData(137, "StreamEnded", "Ready", "stream_ended", "SIGKILL")]
    [InlineData(137, "Watchdog", "Ready", "limit", "SIGKILL")]
    [InlineData(0, null, "Draining", "stopped", null)]
    [InlineData(3, null, "Starting", "exit_code", null)]
    public void WorkerEnd_Of_NamesTheCause(int code, string? killName, string? stateName, string cause, string? signal)
    {
        WorkerKillKind? kill = killName is null ? null : Enum.Parse<WorkerKillKind>(killName);
        WorkerState? state = stateName is null ? null : Enum.Parse<WorkerState>(stateName);
        var end = WorkerEnd.Of(new WorkerExit(code, kill is null ? null : "why", null) { Kill = kill, StateAtExit = state ?? WorkerState.Ready }, ResourceKill.Reported("memory", "watchdog", "over"));

        end.Cause.ShouldBe(cause);
        end.Signal.ShouldBe(signal);
        var details = end.Details(42, state ?? WorkerState.Ready, "worker");
        details["pid"].ShouldBe("42");
        if (signal is null)
        {
            details["exitCode"].ShouldBe(code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
