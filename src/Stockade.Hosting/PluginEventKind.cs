namespace Stockade.Hosting;

/// <summary>What happened to a plugin (DESIGN §7 events plus lifecycle).</summary>
public enum PluginEventKind
{
    /// <summary>The worker answered <c>initialize</c>.</summary>
    Started,

    /// <summary>The worker was stopped by the host.</summary>
    Stopped,

    /// <summary>The worker ended unexpectedly.</summary>
    Crashed,

    /// <summary>A call ran past its timeout and the worker was killed.</summary>
    TimedOut,

    /// <summary>The plugin was refused something (by the kernel or the broker).</summary>
    PermissionDenied,

    /// <summary>The worker was restarted after a crash, a kill or a policy change.</summary>
    Restarted,

    /// <summary>Usage reached the warning ratio of a limit.</summary>
    ResourceWarning,

    /// <summary>The worker was throttled for repeated violations.</summary>
    Throttled,

    /// <summary>The worker was killed for a resource limit.</summary>
    Killed,

    /// <summary>The worker broke the protocol and was ended.</summary>
    ProtocolViolation,

    /// <summary>
    /// The plugin was turned off: its restart budget ran out, or a person disabled or uninstalled it
    /// (<c>stockade disable</c>/<c>uninstall</c>). Calls are refused until a person enables it again.
    /// </summary>
    Disabled,

    /// <summary>A person enabled the plugin again (<c>stockade enable</c>): the next call starts a worker, with a fresh restart budget.</summary>
    Enabled,

    /// <summary>
    /// The periodic usage report of a running worker (every <see cref="PluginHostOptions.UsageEventInterval"/>):
    /// <see cref="PluginEvent.Usage"/> and <see cref="PluginEvent.Calls"/>.
    /// </summary>
    Usage,
}
