using Stockade.Hosting.Broker;

namespace Stockade.Hosting.Workers;

/// <summary>The host's bookkeeping for one loaded plugin: its current worker, restarts and recent denials.</summary>
internal sealed class PluginSlot(LoadedPlugin plugin)
{
    public LoadedPlugin Plugin { get; } = plugin;

    public string Id => Plugin.Id;

    public SemaphoreSlim StartLock { get; } = new(1, 1);

    public WorkerProcess? Worker { get; set; }

    /// <summary>Idle workers started ahead of demand (manifest <c>prewarm</c>).</summary>
    public SparePool Spares { get; } = new();

    public PluginBroker? Broker { get; set; }

    public IDisposable? WatchRegistration { get; set; }

    /// <summary>The current worker's own temporary folder (<c>temp/&lt;id&gt;/&lt;worker&gt;/</c>).</summary>
    public string? WorkerTemp { get; set; }

    /// <summary>Restarts inside the restart window, each with whether a resource kill caused it (Restarts/).</summary>
    public Restarts.RestartHistory Restarts { get; } = new();

    /// <summary>Set when the plugin was disabled (after too many restarts, or by a person); a person must re-enable it.</summary>
    public string? DisabledReason { get; set; }

    /// <summary>What to do about <see cref="DisabledReason"/> (the command that enables or reinstalls it).</summary>
    public string? DisabledNextStep { get; set; }

    /// <summary>True while the store says the installed plugin is disabled or uninstalled (set by the host's store poll).</summary>
    public bool OffInStore { get; set; }

    /// <summary>The worker being launched for this slot (not a spare), until it is Ready or has failed; a stop ends it too.</summary>
    public WorkerProcess? Starting { get; set; }

    /// <summary>
    /// The plugin's state: Disabled when it is turned off, else its worker's (Starting, Ready, Draining), else Stopped
    /// (nothing runs; the next call starts a worker). Each worker's own moves are in <see cref="WorkerProcess.Lifecycle"/>.
    /// </summary>
    public WorkerState State =>
        DisabledReason is not null ? WorkerState.Disabled
        : Worker is { HasExited: false } worker ? worker.Lifecycle.State
        : Starting is { HasExited: false } ? WorkerState.Starting
        : WorkerState.Stopped;

    /// <summary>The loggers of the plugin's own log lines, kept across its workers (set when the slot is made).</summary>
    public PluginLoggers? Loggers { get; init; }

    private long _calls;

    /// <summary>Pauses of the plugin's call timeouts while a person is asked for a permission it requested.</summary>
    public CallPauses Pauses { get; } = new();

    /// <summary>Counts a call that finished (answered or failed), for the next usage event.</summary>
    public void CountCall() => Interlocked.Increment(ref _calls);

    /// <summary>The calls counted since the last time this was asked, and starts counting again.</summary>
    public long TakeCalls() => Interlocked.Exchange(ref _calls, 0);

    /// <summary>Set by the watchdog when it kills the worker for a resource limit (with its figures).</summary>
    public ResourceKill? ResourceKill { get; set; }
}
