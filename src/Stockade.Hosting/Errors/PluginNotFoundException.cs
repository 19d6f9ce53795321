namespace Stockade.Hosting;

/// <summary>The plugin, or the method asked of it, does not exist.</summary>
public sealed class PluginNotFoundException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginNotFoundException(string pluginId, string message, string? nextStep = null)
        : base(pluginId, message)
    {
        _nextStep = nextStep;
    }

    private readonly string? _nextStep;

    /// <inheritdoc />
    public override string? NextStep => _nextStep;
}
