using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stockade.Core.Audit;
using Stockade.Core.Policy;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Kernel;

namespace Stockade.Hosting.Workers;

/// <summary>
/// The worker supervisor: one job — a worker's life after it is spawned. It tracks every start attempt until its outcome
/// is recorded, moves workers through their state machine (<see cref="WorkerStateMachine"/>: starting, ready, draining,
/// stopped; a slot's disabled), stops them (drain, <c>shutdown</c>, kill), classifies every exit and writes its records
/// (<c>plugin.start_failed</c>, <c>plugin.stopped</c>, <c>plugin.crashed</c>, <c>protocol.violation</c>,
/// <c>worker.exited</c>). The host decides <em>what</em> to run (resolver, policy, broker, launch plan) and delegates
/// the rest here.
/// </summary>
/// <remarks>Never throws for the audit's sake: a record that cannot be queued is logged (an end already happened).</remarks>
internal sealed class WorkerSupervisor(AuditLog audit, ILogger logger, Action<string, PluginEventKind, string> raise, Func<bool> hostStopping, Func<string, string> dataDirectoryOf)
{
    /// <summary>How long a worker being stopped has to answer <c>shutdown</c> and exit before it is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<long, Task> _starts = new();
    private readonly ConcurrentDictionary<WorkerProcess, Task> _exitHandlers = new();
    private long _startSequence;

    /// <summary>Runs a start so that shutdown can wait for it to finish recording its outcome before the audit log closes.</summary>
    public async Task TrackedAsync(Func<Task> start)
    {
        var key = Interlocked.Increment(ref _startSequence);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _starts[key] = done.Task;
        try
        {
            await start().ConfigureAwait(false);
        }
        finally
        {
            _starts.TryRemove(key, out _);
            done.TrySetResult();
        }
    }

    /// <summary>Completes when every start in progress has recorded its outcome (bounded by the caller).</summary>
    public Task StartsSettled() => Task.WhenAll(_starts.Values.ToArray());

    /// <summary>Completes when every ended worker's records are queued (bounded by the caller).</summary>
    public Task ExitsRecorded() => Task.WhenAll(_exitHandlers.Values.ToArray());

    /// <summary>Queues a record that must not make its caller fail (an end already happened); a lost record is logged.</summary>
    public void TryAppend(AuditEntry entry)
    {
        try
        {
            audit.Append(entry);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or AuditWriteException or InvalidOperationException or IOException)
        {
            Log.WorkerEnded(logger, entry.Plugin ?? "", $"the record {entry.Action} could not be queued: {ex.Message}");
        }
    }

    /// <summary>Records a start attempt that failed before any process ran (folders, uid, spawn); returns false so the exception flows on.</summary>
    public bool LaunchFailed(LoadedPlugin plugin, bool spare, Exception ex)
    {
        var details = new Dictionary<string, string> { ["cause"] = "launch", ["by"] = "host", ["role"] = spare ? "spare" : "worker", ["reason"] = Cut(ex.Message) };
        TryAppend(new AuditEntry(AuditActions.PluginStartFailed, AuditDecision.Info, AuditLayer.Host) { Plugin = plugin.Id, Details = details });
        return false;
    }

    /// <summary>Records a spare's successful start (a start attempt too; it serves nothing until a restart takes it).</summary>
    public void SpareStarted(LoadedPlugin plugin, WorkerProcess worker, SandboxPolicy policy) =>
        TryAppend(new AuditEntry(AuditActions.PluginStarted, AuditDecision.Info, AuditLayer.Host)
        {
            Plugin = plugin.Id,
            Details = new Dictionary<string, string> { ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture), ["level"] = policy.Level.ToName(), ["spare"] = "true" },
        });

    /// <summary>Moves a worker that answered <c>initialize</c> to Ready; false when it was stopped meanwhile.</summary>
    public static bool MarkReady(WorkerProcess worker) => worker.Lifecycle.TryMove(WorkerState.Ready, WorkerState.Starting);

    /// <summary>Ends a worker the host no longer wants, without a stop record (a refused start, a discarded spare).</summary>
    public static async Task EndAsync(WorkerProcess worker, string reason)
    {
        worker.Lifecycle.TryMove(WorkerState.Draining);
        worker.Kill(reason, WorkerKillKind.Stopped);
        await worker.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Kills a spare (a new policy, or the plugin is going away).</summary>
    public static async Task DiscardSpareAsync(ReadyWorker spare)
    {
        spare.SpareWatch?.Dispose();
        await EndAsync(spare.Worker, "spare discarded").ConfigureAwait(false);
    }

    /// <summary>
    /// A worker did not get to Ready: ends it, waits (bounded) for its exit, records <c>plugin.start_failed</c> with the
    /// cause, and returns the exception for the caller (null to rethrow the original: a cancellation).
    /// </summary>
    public async Task<Exception?> StartFailedAsync(PluginSlot slot, WorkerProcess worker, bool spare, Exception ex)
    {
        var plugin = slot.Plugin;
        var policy = plugin.Policy;
        if (!worker.HasExited)
        {
            // Still Starting: its death record says so (Starting → Stopped), whoever ends it.
            worker.Kill(ex switch
            {
                OperationCanceledException => "its start was cancelled",
                Protocol.RemoteRpcException => "its initialize failed",
                _ => $"its start failed: {ex.Message}",
            }, ex is OperationCanceledException ? WorkerKillKind.Cancelled : WorkerKillKind.Stopped);
        }

        WorkerExit? exit = ex is WorkerExitedException exited ? exited.Exit : null;
        if (exit is null)
        {
            try
            {
                exit = await worker.Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Stuck in the kernel after SIGKILL; recorded without its exit.
            }
        }

        // Its end (and a violation, or a kill's verdict) recorded first, so the log reads violation → exit → start failed,
        // a caller that reads the log after the refusal finds all three, and a resource kill is named below.
        await EndRecordedAsync(worker).ConfigureAwait(false);
        var end = exit is null ? null : WorkerEnd.Of(exit, worker.Verdict);
        var cause = ex switch
        {
            WorkerTimeoutException => "timeout",
            Protocol.RemoteRpcException => "threw",
            OperationCanceledException => "cancelled",
            _ => end?.Cause ?? "launch",
        };
        var details = end?.Details(worker.Pid, WorkerState.Starting, spare ? "spare" : "worker") ?? new Dictionary<string, string> { ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture) };
        details["cause"] = cause;
        details["level"] = policy.Level.ToName();
        if (spare)
        {
            details["spare"] = "true";
        }

        Exception? failure;
        string message;
        switch (ex)
        {
            case WorkerTimeoutException:
                TryAppend(new AuditEntry(AuditActions.PluginTimedOut, AuditDecision.Info, AuditLayer.Host) { Plugin = plugin.Id, Details = new Dictionary<string, string> { ["operation"] = "initialize" } });
                raise(plugin.Id, PluginEventKind.TimedOut, $"initialisation did not finish within {WorkerProcess.FormatTimeout(policy.Timeouts.Init)}");
                message = $"initialisation did not finish within {WorkerProcess.FormatTimeout(policy.Timeouts.Init)}";
                failure = new PluginTimeoutException(plugin.Id, "initialize", policy.Timeouts.Init);
                break;

            case WorkerExitedException { Exit.StoppedByHost: true } stopped:
                message = $"stopped by the host while it started ({stopped.Exit.KillReason ?? "asked to stop"})";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.StoppedByHost, $"plugin '{plugin.Id}' was {message}",
                    nextStep: "nothing is wrong with the plugin; load it again when the host runs.");
                break;

            case WorkerExitedException { Exit.ProtocolViolation: { } violation } broke:
                message = $"broke the protocol while it started: {violation}";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.ProtocolViolation, $"plugin '{plugin.Id}' could not start: it broke the protocol ({violation})",
                    workerOutput: broke.Stderr, nextStep: "the plugin must answer 'initialize' as docs/protocol.md says; the worker's last output is shown above.");
                break;

            case WorkerExitedException when worker.Verdict is { } verdict:
                message = $"its worker was {verdict.Describe()}";
                failure = Killed(plugin.Id, verdict, $"plugin '{plugin.Id}' could not start: its worker was {verdict.Describe()}");
                details["cause"] = "limit";
                break;

            case WorkerExitedException gone:
                var lines = gone.Stderr;
                var launcherLine = lines.LastOrDefault(l => l.StartsWith("stockade-", StringComparison.Ordinal));
                message = launcherLine ?? $"the worker {gone.Exit.Describe()}";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.StartFailed, $"plugin '{plugin.Id}' could not start: {message}", workerOutput: lines,
                    nextStep: Linux.Launch.SandboxExitCodes.IsConfinementUnavailable(gone.Exit.ExitCode) ? "run 'stockade doctor' to see what this machine can enforce." : "the worker's last output is shown above; fix the plugin's entry or report it.");
                break;

            case Protocol.RemoteRpcException remote:
                message = $"its initialize failed: {remote.Message}";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.Threw, $"plugin '{plugin.Id}' failed to initialise: {remote.Message}", RemoteType(remote), RemoteStack(remote));
                break;

            case OperationCanceledException when hostStopping():
                message = "stopped by the host while it started (the host is shutting down)";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.StoppedByHost, $"plugin '{plugin.Id}' was {message}");
                details["cause"] = "stopped";
                break;

            default:
                message = ex.Message;
                failure = null;
                break;
        }

        details["reason"] = Cut(message);
        TryAppend(new AuditEntry(AuditActions.PluginStartFailed, AuditDecision.Info, AuditLayer.Host) { Plugin = plugin.Id, Details = details });
        await worker.DisposeAsync().ConfigureAwait(false);
        return failure;
    }

    /// <summary>
    /// Drains and ends the slot's worker (and one still starting): asks it to shut down, gives it <paramref name="grace"/>
    /// to exit, then kills it. Calls in flight fail as stopped by the host. Records <c>plugin.stopped</c>; its exit is
    /// recorded by the exit handler (<c>worker.exited</c>, cause <c>stopped</c>). Never throws for the audit's sake.
    /// </summary>
    public async Task StopAsync(PluginSlot slot, string reason, TimeSpan grace, CancellationToken cancellationToken)
    {
        slot.Starting?.Kill(reason, WorkerKillKind.Stopped);
        var worker = slot.Worker;
        if (worker is null)
        {
            return;
        }

        worker.Lifecycle.TryMove(WorkerState.Draining);
        slot.WatchRegistration?.Dispose();
        if (!worker.HasExited)
        {
            try
            {
                // The peer directly, not CallAsync: a shutdown that is not answered in time is no timeout of the plugin's.
                var shutdown = worker.Peer.InvokeAsync("shutdown", null, CancellationToken.None);
                _ = shutdown.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
                await Task.WhenAny(worker.Exited, Task.Delay(grace, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or Protocol.ProtocolViolationException or OperationCanceledException)
            {
                // Shutdown is a courtesy; the kill below is the guarantee.
            }
        }

        worker.Kill(reason, WorkerKillKind.Stopped);
        await worker.DisposeAsync().ConfigureAwait(false);
        if (ReferenceEquals(slot.Worker, worker))
        {
            slot.Worker = null;
        }

        if (ReferenceEquals(slot.Plugin.Worker, worker))
        {
            slot.Plugin.Worker = null;
        }

        if (slot.WorkerTemp is { } ended)
        {
            slot.WorkerTemp = null;
            RemoveFolder(ended); // the worker has exited; its folder is its own, no replacement uses it
        }

        TryAppend(new AuditEntry(AuditActions.PluginStopped, AuditDecision.Info, AuditLayer.Host)
        {
            Plugin = slot.Id,
            Details = new Dictionary<string, string> { ["reason"] = reason, ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture) },
        });
        raise(slot.Id, PluginEventKind.Stopped, reason);
    }

    /// <summary>Deletes an ended worker's own temporary folder, through descriptors (a link planted in it is unlinked, never followed).</summary>
    private static void RemoveFolder(string folder) => _ = WorkerTempFolders.Remove(folder);

    /// <summary>Waits (bounded) until the exit handler of an ended worker has queued its records.</summary>
    public async Task EndRecordedAsync(WorkerProcess worker)
    {
        if (_exitHandlers.TryGetValue(worker, out var handler))
        {
            await handler.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <see cref="OnExited"/> once the worker's process has ended; shutdown waits for the pending ones.</summary>
    public void TrackExit(PluginSlot slot, WorkerProcess worker, PluginBroker broker, string temp, WorkerKernelChannel? kernel)
    {
        var handled = worker.Exited.ContinueWith(t =>
        {
            try
            {
                kernel?.Dispose();
                broker.WorkerEnded();
            }
            catch (Exception ex)
            {
                Log.WorkerEnded(logger, slot.Id, $"the broker's end-of-worker work failed: {ex.Message}");
            }

            OnExited(slot, worker, t.Result, temp);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _exitHandlers[worker] = handled;
        _ = handled.ContinueWith(_ => _exitHandlers.TryRemove(worker, out Task? _), TaskScheduler.Default);
    }

    /// <summary>
    /// The one place where a worker's end is recorded, whatever it was doing (starting, serving, a spare, draining) and
    /// whoever ended it: <c>worker.exited</c> with the cause (signal, seccomp, exit code, limit, host, stream end);
    /// before it a <c>protocol.violation</c> when it broke the protocol, or <c>plugin.crashed</c> when it ended on its own
    /// while serving. Never throws.
    /// </summary>
    private void OnExited(PluginSlot slot, WorkerProcess worker, WorkerExit exit, string temp)
    {
        try
        {
            var current = ReferenceEquals(slot.Worker, worker);
            if (!current)
            {
                slot.Spares.Remove(worker);
            }
            else
            {
                slot.WatchRegistration?.Dispose();
            }

            if (ReferenceEquals(slot.Plugin.Worker, worker))
            {
                slot.Plugin.Worker = null;
            }

            var verdict = exit.Kill is WorkerKillKind.Watchdog or WorkerKillKind.Broker
                ? (current ? slot.ResourceKill : null)
                : KillJudge.Judge(exit, slot.Plugin.Policy.Resources, worker.Witness, worker.FinalCounters, worker.Stderr.Lines(), () => LargestFile(dataDirectoryOf(slot.Id), temp));
            worker.Verdict = verdict;
            RemoveFolder(temp);
            var end = WorkerEnd.Of(exit, verdict);
            Log.WorkerEnded(logger, slot.Id, exit.Describe());
            if (exit.ProtocolViolation is not null)
            {
                TryAppend(new AuditEntry(AuditActions.ProtocolViolation, AuditDecision.Deny, AuditLayer.Host)
                {
                    Plugin = slot.Id,
                    Details = new Dictionary<string, string> { ["reason"] = exit.ProtocolViolation, ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture), ["state"] = WorkerStateMachine.Name(exit.StateAtExit) },
                });
                raise(slot.Id, PluginEventKind.ProtocolViolation, exit.ProtocolViolation);
            }
            else if (verdict is { By: "kernel" })
            {
                // The kernel ended it for a resource (starting, serving or idle): named, with the figures; never a crash.
                var details = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture),
                    ["state"] = WorkerStateMachine.Name(exit.StateAtExit),
                    ["role"] = worker.IsSpare ? "spare" : "worker",
                    ["exit"] = exit.Describe(),
                };
                verdict.AddTo(details);
                TryAppend(new AuditEntry(AuditActions.PluginKilled, AuditDecision.Info, AuditLayer.Kernel) { Plugin = slot.Id, Resource = verdict.Key, Details = details });
                raise(slot.Id, PluginEventKind.Killed, $"worker {worker.Pid.ToString(CultureInfo.InvariantCulture)} {verdict.Describe()}");
            }
            else if (current && exit.StateAtExit == WorkerState.Ready && (exit.Kill is null or WorkerKillKind.StreamEnded))
            {
                // Ended on its own (or closed its stream) while serving: a crash. Killed by the host or the watchdog is not.
                TryAppend(new AuditEntry(AuditActions.PluginCrashed, AuditDecision.Info, AuditLayer.Host)
                {
                    Plugin = slot.Id,
                    Details = new Dictionary<string, string>(end.Details(worker.Pid, exit.StateAtExit, "worker")) { ["exit"] = exit.Describe() },
                });
                raise(slot.Id, PluginEventKind.Crashed, $"worker {exit.Describe()}");
            }

            TryAppend(new AuditEntry(AuditActions.WorkerExited, AuditDecision.Info, exit.Kill == WorkerKillKind.Watchdog ? AuditLayer.Watchdog : end.By == "kernel" ? AuditLayer.Kernel : AuditLayer.Host)
            {
                Plugin = slot.Id,
                Details = end.Details(worker.Pid, exit.StateAtExit, worker.IsSpare ? "spare" : "worker"),
            });
        }
        catch (Exception ex)
        {
            Log.WorkerEnded(logger, slot.Id, $"recording its end failed: {ex.Message}");
        }
    }

    /// <summary>The plugin's exception type, from a remote error's data.</summary>
    public static string? RemoteType(Protocol.RemoteRpcException ex) =>
        ex.Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("type", out var t) ? t.GetString() : null;

    /// <summary>The plugin's own stack trace, from a remote error's data.</summary>
    public static string? RemoteStack(Protocol.RemoteRpcException ex) =>
        ex.Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("stackTrace", out var t) ? t.GetString() : null;

    /// <summary>The exception a caller gets for a worker ended for a resource.</summary>
    public static PluginKilledException Killed(string pluginId, ResourceKill verdict, string message) =>
        new(pluginId, verdict.Resource, message, verdict.Limit, verdict.Observed, verdict.By);

    /// <summary>The size of the largest regular file under the folders (bounded walk; links are not followed), or null.</summary>
    private static long? LargestFile(params string[] folders)
    {
        long? largest = null;
        var seen = 0;
        foreach (var folder in folders)
        {
            try
            {
                var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, MaxRecursionDepth = 8 };
                foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", options))
                {
                    if (++seen > 10_000)
                    {
                        return largest;
                    }

                    largest = Math.Max(largest ?? 0, file.Length);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A folder that is gone or unreadable shows nothing.
            }
        }

        return largest;
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
