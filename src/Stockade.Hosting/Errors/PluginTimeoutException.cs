namespace Stockade.Hosting;

/// <summary>A call (init, invoke or hook) ran past its timeout; the worker was killed.</summary>
public sealed class PluginTimeoutException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginTimeoutException(string pluginId, string operation, TimeSpan timeout)
        : base(pluginId, $"plugin '{pluginId}' did not finish '{operation}' within {FormatTimeout(timeout)}; its worker was killed")
    {
        Operation = operation;
        Timeout = timeout;
    }

    /// <summary>The call that timed out.</summary>
    public string Operation { get; }

    /// <summary>The timeout that applied.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc />
    public override string? NextStep =>
        "if the work is legitimately long, raise 'timeouts.call' in the plugin's manifest; otherwise the plugin hangs and its author should fix it.";

    private static string FormatTimeout(TimeSpan t) => Workers.WorkerProcess.FormatTimeout(t);
}
