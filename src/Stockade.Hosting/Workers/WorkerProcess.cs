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
    private string? _violation;
    private int _killed;
    private Task? _stderrPump;

    private WorkerProcess(Process process, JsonRpcPeer peer)
    {
        _process = process;
        Peer = peer;
        Pid = process.Id;
    }

    public int Pid { get; }

    public JsonRpcPeer Peer { get; }

    public StderrTail Stderr { get; } = new();

    /// <summary>Completes when the process has exited, with how it ended.</summary>
    public Task<WorkerExit> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Why the host ended the worker, when it did (timeout, violation, resource limit).</summary>
    public string? KillReason { get; private set; }

    public string? ProtocolViolation => _violation;

    public static async Task<WorkerProcess> StartAsync(ProcessStartInfo startInfo, ProtocolLimits limits, PeerByteBudget? budget, IJsonRpcHandler handler, Action<string>? onStderrLine, Kernel.WorkerKernelChannel? kernel = null)
    {
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;

        var process = await ProcessSpawner.Shared.StartAsync(startInfo, kernel).ConfigureAwait(false);
        var peer = new JsonRpcPeer(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, limits, handler, budget);
        var worker = new WorkerProcess(process, peer);
        peer.ProtocolViolated += (_, e) =>
        {
            worker._violation ??= e.Reason;
            worker.Kill($"protocol violation: {e.Reason}");
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
        return worker;
    }

    public async Task<JsonElement?> CallAsync(string method, JsonElement? parameters, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var call = Peer.InvokeAsync(method, parameters, timeoutCts.Token);
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
                Kill($"'{method}' exceeded its {FormatTimeout(timeout)} timeout");
                throw new WorkerTimeoutException(method, timeout);
            }
            catch (OperationCanceledException)
            {
                Kill($"'{method}' was cancelled by the host");
                throw;
            }
            catch (Exception ex) when (ex is ProtocolViolationException or IOException or ObjectDisposedException)
            {
                // The stream broke (a crash closes the pipe) or the worker broke the protocol (the
                // peer has killed it): report how the worker ended, never the raw stream error.
                try
                {
                    var ended = await exited.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                    throw new WorkerExitedException(ended, Stderr.Lines());
                }
                catch (TimeoutException)
                {
                    Kill($"its protocol stream failed during '{method}': {ex.Message}");
                    var ended = await exited.ConfigureAwait(false);
                    throw new WorkerExitedException(ended, Stderr.Lines());
                }
            }
        }

        var exit = await exited.ConfigureAwait(false);
        throw new WorkerExitedException(exit, Stderr.Lines());
    }

    public void Kill(string reason)
    {
        if (Interlocked.Exchange(ref _killed, 1) != 0)
        {
            return;
        }

        KillReason = reason;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            Kill("worker disposed");
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

    internal static string FormatTimeout(TimeSpan t) =>
        t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.###} s" : $"{t.TotalMilliseconds:0} ms";

    private void OnStderrLine(string line, Action<string>? onStderrLine)
    {
        try
        {
            Stderr.Add(line);
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
        }
        catch (Exception)
        {
            // No exit code to read (the process object is gone): reported as -1.
            code = -1;
        }
        finally
        {
            _exited.TrySetResult(new WorkerExit(code, KillReason, _violation));
        }
    }
}
