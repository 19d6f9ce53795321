namespace Stockade.Hosting;

/// <summary>
/// The plugin failed: it threw (<see cref="Kind"/> = <see cref="PluginFailureKind.Threw"/>, with the
/// plugin's exception type, message and stack), its worker crashed, or it broke the protocol.
/// </summary>
public sealed class PluginFailedException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginFailedException(string pluginId, PluginFailureKind kind, string message, string? remoteType = null, string? remoteStack = null, IReadOnlyList<string>? workerOutput = null, string? nextStep = null)
        : base(pluginId, message)
    {
        Kind = kind;
        RemoteType = remoteType;
        RemoteStackTrace = remoteStack;
        WorkerOutput = workerOutput ?? [];
        _nextStep = nextStep;
    }

    // A result that does not fit the caller's type (issue 18): the serializer's exception is kept as the inner one.
    internal PluginFailedException(string pluginId, PluginFailureKind kind, string message, Exception inner, string nextStep)
        : base(pluginId, message, inner)
    {
        Kind = kind;
        WorkerOutput = [];
        _nextStep = nextStep;
    }

    private readonly string? _nextStep;

    /// <summary>How it failed.</summary>
    public PluginFailureKind Kind { get; }

    /// <summary>The plugin's exception type, when it threw.</summary>
    public string? RemoteType { get; }

    /// <summary>The plugin's own stack trace, when it threw.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>The last lines the worker wrote to stderr.</summary>
    public IReadOnlyList<string> WorkerOutput { get; }

    /// <inheritdoc />
    public override string? NextStep => _nextStep;
}
