namespace Stockade.Hosting.Workers;

/// <summary>Where a plugin's worker is in its life; see <see cref="WorkerStateMachine"/> for the legal moves.</summary>
internal enum WorkerState
{
    /// <summary>Launched, confining itself and answering <c>initialize</c>; serves nothing yet.</summary>
    Starting,

    /// <summary>Initialised: serving calls (or waiting as a prewarmed spare).</summary>
    Ready,

    /// <summary>The host is stopping it (unload, reload, new policy, disable, shutdown): no new calls, in-flight ones end as "stopped by the host".</summary>
    Draining,

    /// <summary>The process has ended and its end is recorded. Final for a worker.</summary>
    Stopped,

    /// <summary>The plugin is turned off (too many restarts, or a person disabled it): no worker runs and calls are refused until it is enabled.</summary>
    Disabled,
}
