namespace Stockade.Hosting;

/// <summary>
/// The requested security level cannot be enforced on this machine (fail secure). The plugin was
/// not started. <see cref="Missing"/> names each missing guarantee.
/// </summary>
public sealed class LevelNotEnforceableException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public LevelNotEnforceableException(string pluginId, string requested, string best, IReadOnlyList<string> missing)
        : base(pluginId, $"level '{requested}' cannot be enforced on this machine: {string.Join("; ", missing)}")
    {
        Requested = requested;
        BestAvailable = best;
        Missing = missing;
    }

    /// <summary>Nothing can be confined here (no launcher for this machine): the fix is not a downgrade.</summary>
    internal LevelNotEnforceableException(string pluginId, string requested, string best, IReadOnlyList<string> missing, string nextStep)
        : this(pluginId, requested, best, missing)
    {
        _nextStep = nextStep;
    }

    private readonly string? _nextStep;

    /// <summary>The level that was asked for.</summary>
    public string Requested { get; }

    /// <summary>The highest level this machine can enforce.</summary>
    public string BestAvailable { get; }

    /// <summary>The guarantees the kernel cannot give here.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <inheritdoc />
    public override string? NextStep => _nextStep ??
        $"run 'stockade doctor' to see what is missing, or allow the downgrade to '{BestAvailable}' explicitly with --allow-downgrade (it is audited).";
}
