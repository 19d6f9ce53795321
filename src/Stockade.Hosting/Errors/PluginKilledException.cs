namespace Stockade.Hosting;

/// <summary>The worker was killed for exceeding a resource limit (by the kernel or the watchdog).</summary>
public sealed class PluginKilledException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginKilledException(string pluginId, string resource, string message)
        : base(pluginId, message)
    {
        Resource = resource;
    }

    /// <summary>The resource whose limit was exceeded (memory, cpu, disk, file size…).</summary>
    public string Resource { get; }

    /// <inheritdoc />
    public override string? NextStep =>
        $"raise 'resources' in the plugin's manifest if the plugin legitimately needs more {Resource}, or report it to its author.";
}
