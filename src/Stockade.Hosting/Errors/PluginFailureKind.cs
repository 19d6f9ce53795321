namespace Stockade.Hosting;

/// <summary>The ways a plugin fails.</summary>
public enum PluginFailureKind
{
    /// <summary>Plugin code threw an exception; the worker is still serving.</summary>
    Threw,

    /// <summary>The worker process ended unexpectedly.</summary>
    Crashed,

    /// <summary>The worker sent something the protocol forbids and was ended.</summary>
    ProtocolViolation,

    /// <summary>The worker refused to start: confinement could not be verified, or the entry is bad.</summary>
    StartFailed,

    /// <summary>
    /// The host stopped the worker on purpose while the call (or the start) was in flight: unload, reload, a new policy,
    /// a disable, or the host shutting down. Not a fault of the plugin.
    /// </summary>
    StoppedByHost,

    /// <summary>
    /// The plugin answered, but its result does not fit the type the caller asked for
    /// (<see cref="PluginHost.InvokeAsync{TResult}(string, string, object?, System.Text.Json.JsonSerializerOptions?, CancellationToken)"/>):
    /// a missing required member, a null where the type allows none, or another JSON shape. The worker keeps serving.
    /// </summary>
    InvalidResult,
}
