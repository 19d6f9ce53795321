namespace Stockade.Hosting.Workers;

/// <summary>Why the host ended a worker itself (the cause a death record names, with <c>by</c>).</summary>
internal enum WorkerKillKind
{
    /// <summary>The host stopped it on purpose: unload, reload, a new policy, a disable, shutdown, a discarded spare.</summary>
    Stopped,

    /// <summary>A call ran past its wall-clock timeout.</summary>
    Timeout,

    /// <summary>The caller cancelled a call (or a start) and the plugin could not be trusted to stop.</summary>
    Cancelled,

    /// <summary>It broke the protocol.</summary>
    ProtocolViolation,

    /// <summary>It closed its protocol stream (or the stream failed) while its process ran on.</summary>
    StreamEnded,

    /// <summary>The watchdog ended it for a resource limit.</summary>
    Watchdog,

    /// <summary>The broker ended it (audit budget, lost audit records).</summary>
    Broker,
}
