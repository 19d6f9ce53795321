using Microsoft.Extensions.Logging;

namespace Stockade.Hosting;

/// <summary>The broker's log messages (event ids 1090–1099 of the host's range).</summary>
internal static partial class Log
{
    [LoggerMessage(1090, LogLevel.Critical, "The audit log in {Directory} lost records: every brokered call is refused from now on")]
    public static partial void AuditFailedBrokerClosed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(1091, LogLevel.Error, "Plugin {PluginId}: the audit record of a brokered call could not be written; its worker is stopped")]
    public static partial void AuditLostWorkerStopped(ILogger logger, string pluginId);

    [LoggerMessage(1092, LogLevel.Warning, "Plugin {PluginId}: {Lines} log lines ({Bytes} bytes) dropped, over its log budget of {Budget}")]
    public static partial void PluginLogDropped(ILogger logger, string pluginId, long lines, long bytes, string budget);

    [LoggerMessage(1093, LogLevel.Error, "Plugin {PluginId}: ended for its audit budget: {Reason}")]
    public static partial void AuditBudgetExceeded(ILogger logger, string pluginId, string reason);

    [LoggerMessage(1094, LogLevel.Warning, "Plugin {PluginId}: the host service method {Method} threw; the plugin was told only its message")]
    public static partial void ServiceFailed(ILogger logger, Exception exception, string pluginId, string method);
}
