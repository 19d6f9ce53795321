using System.Diagnostics;
using System.Text.Json;
using Stockade.Protocol;

namespace Stockade.Hosting.Workers;

/// <summary>
/// One running worker: its process, the JSON-RPC peer over its stdio, and the tail of its stderr.
/// Everything it sends is hostile input; a violation or an exit ends it.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<WorkerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan StderrDrainTimeout = TimeSpan.FromSeconds(2);

    // After its protocol stream ends, how long a worker may take to exit by itself (a crash closes the stream a moment
    // before its exit is seen) before the host ends it: one that closed its stream and runs on is ended and recorded then.
    private static readonly TimeSpan StreamEndGrace = TimeSpan.FromMilliseconds(500);
    private string? _violation;
    private int _killed;
    private WorkerKillKind? _killKind;
    private Task? _stderrPump;
    private bool _ownExitCodes;

    private WorkerProcess(Process process, JsonRpcPeer peer)
    {
        _process = process;
        Peer = peer;
        Pid = process.Id;
    }

    public int Pid { get; }

    public JsonRpcPeer Peer { get; }

    public StderrTail Stderr { get; } = new();

    /// <summary>The kernel's figures about it (CPU time, memory high-water marks) read while it ran: evidence for a kill's name.</summary>
    public WorkerWitness Witness { get; private set; } = null!;

    /// <summary>Its cgroup's counters, read when its exit was seen (null: no cgroup).</summary>
    public Linux.Cgroups.CgroupCounters? FinalCounters { get; private set; }

    /// <summary>Set by the supervisor when the worker was ended for a resource (by the kernel or the watchdog).</summary>
    public ResourceKill? Verdict { get; set; }

    /// <summary>Completes when the process has exited, with how it ended.</summary>
    public Task<WorkerExit> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>
    /// True once the host has killed it (timeout, cancel, violation, limit, stop) or it has exited: a worker that must not
    /// be handed another call, even in the moment between the kill and its exit being seen.
    /// </summary>
    public bool IsEnding => HasExited || Volatile.Read(ref _killed) != 0;

    /// <summary>Why the host killed it, when it did (null: not killed by the host, or not yet).</summary>
    public WorkerKillKind? KillKind => Volatile.Read(ref _killed) != 0 ? _killKind : null;

    /// <summary>Why the host ended the worker, when it did (timeout, violation, resource limit).</summary>
    public string? KillReason { get; private set; }

    /// <summary>True while it waits as a prewarmed spare (its death record says role spare).</summary>
    public bool IsSpare { get; set; }

    /// <summary>Starting → Ready → Draining → Stopped (see <see cref="WorkerStateMachine"/>); Stopped once its exit is seen.</summary>
    public WorkerStateMachine Lifecycle { get; } = new(WorkerState.Starting);

    /// <summary>True while its process has not ended (checked with the kernel, not only with the exit notification).</summary>
    public bool IsRunning
    {
        get
        {
            if (HasExited)
            {
                return false;
            }

            try
            {
                return !_process.HasExited;
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }

    public string? ProtocolViolation => _violation;

    /// <summary>The worker's cgroup (issue 16), owned from the start: killed with it, read and removed when it is gone.</summary>
    public Linux.Cgroups.IWorkerCgroup? Cgroup { get; private set; }

    public static async Task<WorkerProcess> StartAsync(ProcessStartInfo startInfo, ProtocolLimits limits, PeerByteBudget? budget, IJsonRpcHandler handler, Action<string>? onStderrLine, Kernel.WorkerKernelChannel? kernel = null, Linux.Cgroups.IWorkerCgroup? cgroup = null, bool ownExitCodes = false)
    {
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;

        var process = await ProcessSpawner.Shared.StartAsync(startInfo, kernel).ConfigureAwait(false);
        var peer = new JsonRpcPeer(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, limits, handler, budget);
        var worker = new WorkerProcess(process, peer) { Cgroup = cgroup, _ownExitCodes = ownExitCodes };
        worker.Witness = new WorkerWitness(worker.Pid);
        peer.ProtocolViolated += (_, e) =>
        {
            worker._violation ??= e.Reason;
            worker.Kill($"protocol violation: {e.Reason}", WorkerKillKind.ProtocolViolation);
        };

        // Stderr is read as bytes with a bounded line (StderrPump), never with BeginErrorReadLine; nothing
        // the worker writes can throw out of the pump, a line handler or the Exited handler.
        worker._stderrPump = Task.Run(() => StderrPump.RunAsync(process.StandardError.BaseStream, line => worker.OnStderrLine(line, onStderrLine)));
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _ = worker.OnExitedAsync();
        if (process.HasExited)
        {
            _ = worker.OnExitedAsync();
        }

        peer.Start();
        _ = worker.EndWhenStreamEndsAsync();
        return worker;
    }

    /// <summary>
    /// Calls the worker; past <paramref name="timeout"/> the worker is killed. Time during which <paramref name="pauses"/>
    /// is paused (a person asked for a permission) does not count toward the timeout.
    /// </summary>
    public async Task<JsonElement?> CallAsync(string method, JsonElement? parameters, TimeSpan timeout, CancellationToken cancellationToken, CallPauses? pauses = null)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (pauses is null)
        {
            timeoutCts.CancelAfter(timeout);
        }

        var call = Peer.InvokeAsync(method, parameters, timeoutCts.Token);
        if (pauses is not null)
        {
            _ = CancelAfterUnpausedAsync(call, timeout, pauses, timeoutCts);
        }
        var exited = Exited;
        var finished = await Task.WhenAny(call, exited).ConfigureAwait(false);
        if (finished == call)
        {
            try
            {
                return await call.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // .NET cannot abort a thread: the only way to stop a plugin that ignores
                // cancellation is to end its process.
                Kill($"'{method}' exceeded its {FormatTimeout(timeout)} timeout", WorkerKillKind.Timeout);
                throw new WorkerTimeoutException(method, timeout);
            }
            catch (OperationCanceledException)
            {
                Kill($"'{method}' was cancelled by the host", WorkerKillKind.Cancelled);
                throw;
            }
            catch (Exception ex) when (ex is ProtocolViolationException or IOException or ObjectDisposedException)
            {
                // The stream broke (a crash closes the pipe) or the worker broke the protocol (the
                // peer has killed it): report how the worker ended, never the raw stream error.
                // The stream watcher ends a worker whose stream closed within StreamEndGrace; this is the backstop.
                try
                {
                    var ended = await exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                    throw new WorkerExitedException(ended, Stderr.Lines());
                }
                catch (TimeoutException)
                {
                    Kill($"its protocol stream failed during '{method}': {ex.Message}", WorkerKillKind.StreamEnded);
                    var ended = await exited.ConfigureAwait(false);
                    throw new WorkerExitedException(ended, Stderr.Lines());
                }
            }
        }

        var exit = await exited.ConfigureAwait(false);
        throw new WorkerExitedException(exit, Stderr.Lines());
    }

    // Cancels the call once it has run for `timeout` outside pauses: each wait is the time still left, and when it runs
    // out while paused, the wait starts again after the pause (polled: pauses last seconds, a prompt's life).
    private static async Task CancelAfterUnpausedAsync(Task call, TimeSpan timeout, CallPauses pauses, CancellationTokenSource timeoutCts)
    {
        var started = Stopwatch.GetTimestamp();
        var pausedBefore = pauses.Total;
        try
        {
            while (!call.IsCompleted && !timeoutCts.IsCancellationRequested)
            {
                var ran = Stopwatch.GetElapsedTime(started) - (pauses.Total - pausedBefore);
                var left = timeout - ran;
                if (left <= TimeSpan.Zero && !pauses.IsPaused)
                {
                    await timeoutCts.CancelAsync().ConfigureAwait(false);
                    return;
                }

                var wait = pauses.IsPaused ? TimeSpan.FromMilliseconds(100) : left;
                await Task.WhenAny(call, Task.Delay(wait, timeoutCts.Token)).ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException)
        {
            // The call ended and its token source with it.
        }
    }

    /// <summary>Ends the process (and anything it started); the first kill's reason and kind are the ones recorded.</summary>
    /// <remarks>Without a kind, the kill is the broker's (lost audit records, audit budget): its only caller outside the supervisor.</remarks>
    public void Kill(string reason, WorkerKillKind kind = WorkerKillKind.Broker)
    {
        if (Interlocked.Exchange(ref _killed, 1) != 0)
        {
            return;
        }

        KillReason = reason;
        _killKind = kind;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        // The cgroup holds every task the worker started, even those the process tree no longer shows (reparented,
        // forking faster than a walk): freeze, kill, thaw, off the caller's thread.
        if (Cgroup is { } cgroup)
        {
            _ = Task.Run(() =>
            {
                try
                {
                    cgroup.KillAll();
                }
                catch (Exception)
                {
                    // Removed already (the worker was gone): nothing left to kill.
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            Kill("worker disposed", WorkerKillKind.Stopped);
        }

        await Peer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A process that survives SIGKILL for 5 s is stuck in the kernel; nothing more to do here.
        }

        _process.Dispose();
    }

    // A worker whose protocol stream ends (it closed stdout, or the stream failed) while its process runs on is ended at
    // once, not left running unread until unload; its death record then says stream_ended.
    private async Task EndWhenStreamEndsAsync()
    {
        try
        {
            await Peer.Completion.ConfigureAwait(false);
            if (HasExited || Volatile.Read(ref _killed) != 0)
            {
                return;
            }

            await Task.WhenAny(Exited, Task.Delay(StreamEndGrace)).ConfigureAwait(false);
            if (!HasExited)
            {
                Kill(_violation is null ? "it closed its protocol stream" : $"protocol violation: {_violation}",
                    _violation is null ? WorkerKillKind.StreamEnded : WorkerKillKind.ProtocolViolation);
            }
        }
        catch (Exception)
        {
            // Never throws: the exit handler records whatever happened.
        }
    }

    internal static string FormatTimeout(TimeSpan t) =>
        t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.###} s" : $"{t.TotalMilliseconds:0} ms";

    private void OnStderrLine(string line, Action<string>? onStderrLine)
    {
        try
        {
            line = StderrText.Visible(line); // plugin text: never kept or logged with what a terminal would act on
            Stderr.Add(line);
            Witness.OnActivity(); // a dying runtime says so on stderr while its memory is still mapped: read the kernel's figures now
            onStderrLine?.Invoke(line);
        }
        catch (Exception)
        {
            // A logging provider or the tail failed: the line is lost, the host carries on.
        }
    }

    // Runs on the Exited event: must never throw (an exception there ends the host process).
    private async Task OnExitedAsync()
    {
        if (_exited.Task.IsCompleted)
        {
            return;
        }

        var code = -1;
        try
        {
            // The last lines (a crash message) arrive after the exit is seen: wait briefly for the end of
            // stderr, bounded, since a child the worker left behind may hold the pipe open.
            if (_stderrPump is { } pump)
            {
                await Task.WhenAny(pump, Task.Delay(StderrDrainTimeout)).ConfigureAwait(false);
            }

            _process.WaitForExit();
            code = _process.ExitCode;
            Witness.Dispose();
        }
        catch (Exception)
        {
            // No exit code to read (the process object is gone): reported as -1.
            code = -1;
        }
        finally
        {
            var state = Lifecycle.State;
            var counters = EndCgroup();
            FinalCounters = counters;
            Lifecycle.TryMove(WorkerState.Stopped);
            _exited.TrySetResult(new WorkerExit(code, KillReason, _violation) { Kill = _killKind, StateAtExit = state, Cgroup = counters, OwnExitCodes = _ownExitCodes });
        }
    }

    // The counters are read before the cgroup is removed (they go with it); removing kills what the worker left behind.
    private Linux.Cgroups.CgroupCounters? EndCgroup()
    {
        if (Cgroup is not { } cgroup)
        {
            return null;
        }

        try
        {
            var counters = cgroup.ReadCounters();
            cgroup.Dispose();
            return counters;
        }
        catch (Exception)
        {
            return null;
        }
    }
}
