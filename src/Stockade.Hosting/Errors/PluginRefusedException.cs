namespace Stockade.Hosting;

/// <summary>
/// The plugin was refused before any of its code ran: bad manifest, bad or missing signature,
/// analysis findings, or a conflict. <see cref="Problems"/> lists every reason, each with its place.
/// </summary>
public sealed class PluginRefusedException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginRefusedException(string pluginId, string reason, IReadOnlyList<string> problems, string? nextStep = null, bool integrity = false)
        : base(pluginId, reason)
    {
        Problems = problems;
        _nextStep = nextStep;
        IsIntegrityFailure = integrity;
    }

    private readonly string? _nextStep;

    /// <summary>Each problem, e.g. <c>plugin.yaml:4:3: error STKM003: …</c>.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>True when the refusal is an integrity failure (signature or file hashes).</summary>
    public bool IsIntegrityFailure { get; }

    /// <inheritdoc />
    public override string? NextStep => _nextStep;
}
