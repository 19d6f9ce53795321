using Microsoft.Extensions.Logging;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>What the broker may tell the host about its worker: events for the application, and ending the worker.</summary>
internal interface IBrokerEvents
{
    ILogger Logger { get; }

    /// <summary>The logger of the plugin's own log lines in <paramref name="category"/> (see <see cref="PluginLoggers"/>).</summary>
    ILogger PluginLogger(string? category);

    /// <summary>How long a person has to answer a run-time permission prompt before it is denied (<see cref="PluginHostOptions.PermissionPromptTimeout"/>).</summary>
    TimeSpan PromptTimeout { get; }

    /// <summary>Stops the plugin's call timeouts until the result is disposed (a person is being asked).</summary>
    IDisposable PauseCallTimeouts();

    /// <summary>Raises a permission-denied event for the application.</summary>
    void Denied(string message);

    /// <summary>
    /// Ends <paramref name="worker"/> (the broker's own) for <paramref name="resource"/> and reports it as killed.
    /// With <paramref name="onlyIfCurrent"/>, only while it is still the plugin's current worker served by <paramref name="broker"/>.
    /// </summary>
    void EndWorker(PluginBroker broker, Workers.WorkerProcess? worker, string resource, string message, string reason, bool onlyIfCurrent);
}
