using Microsoft.Extensions.Logging;

namespace Stockade.Hosting.Monitoring;

/// <summary>The watchdog's log messages; event ids 7000–7099.</summary>
internal static partial class WatchdogLog
{
    [LoggerMessage(EventId = 7001, Message = "Watchdog {Kind} for plugin {PluginId}: {Message}")]
    public static partial void Escalated(ILogger logger, LogLevel level, WatchdogEventKind kind, string pluginId, string message);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Watching plugin {PluginId} (pid {Pid})")]
    public static partial void Watching(ILogger logger, string pluginId, int pid);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Plugin {PluginId}: process {Pid} exited; no longer watched")]
    public static partial void Exited(ILogger logger, string pluginId, int pid);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Error, Message = "Plugin {PluginId}: the watchdog target failed to {Action} process {Pid}")]
    public static partial void TargetFailed(ILogger logger, Exception exception, string pluginId, string action, int pid);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "A watchdog event handler threw for plugin {PluginId}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string pluginId);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Watchdog sample skipped: the previous one is still running; consider a longer interval than {Interval}")]
    public static partial void Overrun(ILogger logger, TimeSpan interval);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Warning, Message = "Plugin {PluginId} holds more than {MaxEntries} entries in its data and temporary folders; counted as over its disk quota")]
    public static partial void DiskTooManyEntries(ILogger logger, string pluginId, long maxEntries);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Error, Message = "Watchdog sample of plugin {PluginId} (pid {Pid}) failed")]
    public static partial void SampleFailed(ILogger logger, Exception exception, string pluginId, int pid);
}
