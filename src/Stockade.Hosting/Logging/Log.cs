using Microsoft.Extensions.Logging;

namespace Stockade.Hosting;

/// <summary>The host's log messages, with stable event ids (1000–1999).</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Plugin {PluginId} started (pid {Pid}, level {Level})")]
    public static partial void WorkerStarted(ILogger logger, string pluginId, int pid, string level);

    [LoggerMessage(1001, LogLevel.Warning, "Plugin {PluginId}: worker {Description}")]
    public static partial void WorkerEnded(ILogger logger, string pluginId, string description);

    [LoggerMessage(1002, LogLevel.Debug, "Plugin {PluginId} stderr: {Line}")]
    public static partial void WorkerStderr(ILogger logger, string pluginId, string line);

    [LoggerMessage(1003, LogLevel.Error, "A PluginEvent subscriber threw for {PluginId} {Kind}")]
    public static partial void EventHandlerFailed(ILogger logger, string pluginId, PluginEventKind kind, Exception exception);

    [LoggerMessage(1004, LogLevel.Warning, "Plugin {PluginId} runs at '{Effective}' instead of '{Requested}' (downgrade allowed)")]
    public static partial void Downgraded(ILogger logger, string pluginId, string requested, string effective);

    // A plugin's own log line, at the level it asked for (PluginLoggers.Level), on its own logger (PluginLoggers.For).
    [LoggerMessage(EventId = 1005, Message = "Plugin {PluginId} says: {Message}")]
    public static partial void PluginLog(ILogger logger, LogLevel level, string pluginId, string message);

    [LoggerMessage(1006, LogLevel.Warning, "Plugin {PluginId} was refused {Permission} on {Resource} by the {Layer}")]
    public static partial void Denied(ILogger logger, string pluginId, string? permission, string? resource, string layer);
}
