using System.Collections.Concurrent;
using System.Diagnostics;

namespace Stockade.Hosting.Workers;

/// <summary>
/// Starts every worker process from one long-lived thread.
/// </summary>
/// <remarks>
/// The launcher sets <c>PR_SET_PDEATHSIG</c> so a worker dies with its host, even on <c>kill -9</c>.
/// The kernel delivers that signal when the <em>thread</em> that forked the child exits, not the
/// process; <see cref="Process.Start()"/> forks from the calling thread, and thread-pool threads
/// retire when idle. Forking from a thread that lives as long as the host keeps the signal tied to
/// the host's death only.
/// </remarks>
internal sealed class ProcessSpawner : IDisposable
{
    private static readonly Lazy<ProcessSpawner> SharedInstance = new(() => new ProcessSpawner());
    private readonly BlockingCollection<(ProcessStartInfo Info, Kernel.WorkerKernelChannel? Kernel, TaskCompletionSource<Process> Result)> _queue = new();
    private readonly Thread _thread;

    private ProcessSpawner()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "Stockade spawner" };
        _thread.Start();
    }

    public static ProcessSpawner Shared => SharedInstance.Value;

    public Task<Process> StartAsync(ProcessStartInfo info, Kernel.WorkerKernelChannel? kernel = null)
    {
        var tcs = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((info, kernel, tcs));
        return tcs.Task;
    }

    public void Dispose() => _queue.CompleteAdding();

    private void Run()
    {
        foreach (var (info, kernel, result) in _queue.GetConsumingEnumerable())
        {
            try
            {
                // The kernel report socket is inherited by this child only (forks happen on this thread alone).
                kernel?.BeforeFork();
                var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
                result.SetResult(process);
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
            finally
            {
                kernel?.AfterFork();
            }
        }
    }
}
