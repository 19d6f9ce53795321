namespace Stockade.Hosting.Workers;

/// <summary>A call to a worker did not finish in time; the worker was killed.</summary>
internal sealed class WorkerTimeoutException(string method, TimeSpan timeout)
    : Exception($"'{method}' did not finish within {WorkerProcess.FormatTimeout(timeout)}; the worker was killed")
{
    public string Method { get; } = method;

    public TimeSpan Timeout { get; } = timeout;
}
