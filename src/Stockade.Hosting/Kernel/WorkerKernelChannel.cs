using System.Globalization;
using Stockade.Core.Audit;
using Stockade.Linux;
using Stockade.Linux.Launch;
using Stockade.Linux.Seccomp;

namespace Stockade.Hosting.Kernel;

/// <summary>
/// The host's line to one worker's kernel confinement: the report socket the launcher inherits (what was measured,
/// and the seccomp listener), and, once the listener arrived, every call the worker's filter denied. Denials after the
/// worker's canary are recorded as <c>syscall.blocked</c>, layer <c>kernel</c>, through <see cref="Attach"/>'s sink (the
/// worker's audit budget); the canary's own are counted into the start report. Every call is answered with EPERM,
/// exactly what the filter returns without a listener. Descriptors are read and closed only on the observer's thread.
/// </summary>
internal sealed class WorkerKernelChannel : IDisposable
{
    private readonly Dictionary<string, string> _pairs = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<KernelStartReport> _report = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SafeFdHandle? _host;
    private SafeFdHandle? _worker;
    private int _listener = -1;
    private bool _ready;
    private int _canaryDenials;
    private long _denials;
    private Func<AuditEntry, ValueTask>? _sink;
    private volatile bool _disposed;

    private WorkerKernelChannel(string pluginId, SafeFdHandle host, SafeFdHandle worker)
    {
        PluginId = pluginId;
        _host = host;
        _worker = worker;
        WorkerFd = worker.Fd;
    }

    /// <summary>The plugin the worker runs.</summary>
    public string PluginId { get; }

    /// <summary>The descriptor number the launcher inherits (put in its spec); valid until <see cref="AfterFork"/>.</summary>
    public int WorkerFd { get; }

    /// <summary>The pid the host started (the launcher, or setpriv at strict).</summary>
    public int Pid { get; private set; }

    /// <summary>Denied calls recorded after the worker was ready.</summary>
    public long Denials => Interlocked.Read(ref _denials);

    /// <summary>Completes with what was measured once the worker reported it was ready, or its report socket closed.</summary>
    public Task<KernelStartReport> Report => _report.Task;

    internal bool IsDisposed => _disposed;

    /// <summary>The report, waiting at most <paramref name="timeout"/> (it was sent before the worker answered, so it is there or never comes).</summary>
    public async Task<KernelStartReport?> ReportWithinAsync(TimeSpan timeout)
    {
        try
        {
            return await _report.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    internal int HostFd => _host?.Fd ?? -1;

    internal int ListenerFd => _listener;

    /// <summary>A channel for a worker about to be started.</summary>
    public static WorkerKernelChannel Create(string pluginId)
    {
        var (host, worker) = KernelReport.CreatePair();
        return new WorkerKernelChannel(pluginId, host, worker);
    }

    /// <summary>On the spawner's thread, right before the fork: the worker's end is inherited by this one child.</summary>
    public void BeforeFork() => DescriptorWait.KeepAcrossExec(WorkerFd);

    /// <summary>Right after the fork (or its failure): the host keeps no copy of the worker's end.</summary>
    public void AfterFork()
    {
        _worker?.Dispose();
        _worker = null;
    }

    /// <summary>Starts observing: <paramref name="sink"/> records a denial (it must not block; it is called on the observer thread).</summary>
    public void Attach(int pid, Func<AuditEntry, ValueTask> sink)
    {
        Pid = pid;
        _sink = sink;
        KernelObserver.Shared.Add(this);
    }

    /// <summary>Stops observing (the worker ended); the observer closes the descriptors.</summary>
    public void Dispose()
    {
        _disposed = true;
        AfterFork();
        if (_sink is null)
        {
            CloseDescriptors();
        }
        else
        {
            KernelObserver.Shared.Wake();
        }
    }

    // Observer thread from here on.

    /// <summary>Reads every waiting report message.</summary>
    internal void ReadReports()
    {
        while (_host is not null)
        {
            if (!KernelReport.TryReceive(_host.Fd, out string message, out int attached, out bool closed))
            {
                if (closed)
                {
                    CloseReportSocket(complete: false);
                }

                return;
            }

            var pairs = KernelReport.Parse(message);
            if (attached >= 0)
            {
                // One listener per worker, from the first message that names it; anything else attached is closed.
                if (_listener < 0 && pairs.TryGetValue(KernelReport.Listener, out var listener) && listener == "attached")
                {
                    _listener = attached;
                }
                else
                {
                    DescriptorWait.Close(attached);
                }
            }

            foreach (var (key, value) in pairs)
            {
                if (_pairs.Count < 32 || _pairs.ContainsKey(key))
                {
                    _pairs[key] = value;
                }
            }

            if (pairs.TryGetValue(KernelReport.Phase, out var phase) && phase == KernelReport.PhaseReady)
            {
                // From here plugin code may run in the worker: nothing more it sends on this socket is read.
                _ready = true;
                CloseReportSocket(complete: true);
                return;
            }
        }
    }

    /// <summary>Answers one denied call (EPERM), recording it when the worker is past its canary.</summary>
    internal void AnswerOne()
    {
        if (!SeccompListener.TryReceive(_listener, out SeccompNotification call, out int errno))
        {
            if (errno is not (Interop.ENOENT or Interop.EINTR or Interop.EAGAIN))
            {
                CloseListener();
            }

            return;
        }

        if (!_ready)
        {
            // A "ready" already sent is ordered before this call (the canary's probes block until answered): read it first.
            ReadReports();
        }

        // The thread may have been killed or interrupted since: then there is nothing to answer or to record.
        if (!SeccompListener.IsPending(_listener, call.Id))
        {
            return;
        }

        // A scheduling call about one of the worker's own threads by its tid (glibc's pthread_getattr_np on every .NET
        // thread, then the runtime setting that thread's scheduler): what the filter allows the worker on itself, not an
        // attempt on anything outside it, so the kernel runs it and nothing is recorded (OwnThreadQuery).
        if (OwnThreadQuery.Is(call))
        {
            SeccompListener.Continue(_listener, call.Id);
            return;
        }

        if (_ready)
        {
            Interlocked.Increment(ref _denials);
            Record(call);
        }
        else
        {
            _canaryDenials++;
        }

        SeccompListener.Deny(_listener, call.Id, WorkerSeccompPolicy.DeniedErrno);
    }

    /// <summary>The listener hung up (no process uses the filter any more) or failed.</summary>
    internal void CloseListener()
    {
        if (_listener >= 0)
        {
            DescriptorWait.Close(_listener);
            _listener = -1;
        }
    }

    internal void CloseDescriptors()
    {
        CloseReportSocket(complete: false);
        CloseListener();
    }

    private void CloseReportSocket(bool complete)
    {
        _host?.Dispose();
        _host = null;
        _report.TrySetResult(KernelStartReport.From(_pairs, _listener >= 0, _canaryDenials, complete));
    }

    private void Record(SeccompNotification call)
    {
        var name = SeccompListener.NameOf(call.Syscall);
        var entry = new AuditEntry(AuditActions.SyscallBlocked, AuditDecision.Deny, AuditLayer.Kernel)
        {
            Plugin = PluginId,
            Resource = name,
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["syscall"] = name,
                ["nr"] = call.Syscall.ToString(CultureInfo.InvariantCulture),
                ["pid"] = call.Pid.ToString(CultureInfo.InvariantCulture),
                ["args"] = string.Create(CultureInfo.InvariantCulture, $"0x{call.Arg0:x} 0x{call.Arg1:x} 0x{call.Arg2:x}"),
                ["errno"] = "EPERM",
                ["observed"] = "seccomp user notification",
            },
        };
        try
        {
            var pending = _sink?.Invoke(entry) ?? ValueTask.CompletedTask;
            if (!pending.IsCompletedSuccessfully)
            {
                _ = pending.AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
        }
        catch (Exception)
        {
            // The audit refused (its own failure surfaces on the host's audit path): the worker still gets its EPERM.
        }
    }
}
