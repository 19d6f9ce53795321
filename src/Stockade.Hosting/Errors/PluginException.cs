namespace Stockade.Hosting;

/// <summary>Base of every failure <see cref="PluginHost"/> reports about a plugin.</summary>
public abstract class PluginException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected PluginException(string pluginId, string message, Exception? inner = null)
        : base(message, inner)
    {
        PluginId = pluginId;
    }

    /// <summary>The plugin concerned.</summary>
    public string PluginId { get; }

    /// <summary>What a person can do next, in one sentence, or null.</summary>
    public virtual string? NextStep => null;
}
