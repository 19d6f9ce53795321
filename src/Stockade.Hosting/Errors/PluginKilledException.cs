namespace Stockade.Hosting;

/// <summary>
/// The worker was killed for exceeding a resource limit, by the kernel (a cgroup's OOM killer, <c>RLIMIT_CPU</c>,
/// <c>RLIMIT_FSIZE</c>, <c>RLIMIT_DATA</c>, a pids limit) or by the watchdog; whether it was serving, idle or still
/// starting. Named only from the kernel's own figures, never from what the plugin printed.
/// </summary>
public sealed class PluginKilledException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginKilledException(string pluginId, string resource, string message)
        : this(pluginId, resource, message, null, null, null)
    {
    }

    /// <summary>Creates the exception with the figures.</summary>
    /// <param name="pluginId">The plugin.</param>
    /// <param name="resource">The resource (memory, cpu time, file size, processes, disk…).</param>
    /// <param name="message">The sentence for a person.</param>
    /// <param name="limit">The limit, with its unit (e.g. "128 MB", "2 s").</param>
    /// <param name="observed">What was measured, with its unit.</param>
    /// <param name="killedBy"><c>kernel</c> or <c>watchdog</c>.</param>
    public PluginKilledException(string pluginId, string resource, string message, string? limit, string? observed, string? killedBy)
        : base(pluginId, message)
    {
        Resource = resource;
        Limit = limit;
        Observed = observed;
        KilledBy = killedBy;
    }

    /// <summary>The resource whose limit was exceeded (memory, cpu time, file size, processes, disk…).</summary>
    public string Resource { get; }

    /// <summary>The limit in force, with its unit, when known.</summary>
    public string? Limit { get; }

    /// <summary>The figure observed (the evidence), with its unit, when known.</summary>
    public string? Observed { get; }

    /// <summary>Who ended the worker: <c>kernel</c> or <c>watchdog</c>, when known.</summary>
    public string? KilledBy { get; }

    /// <inheritdoc />
    public override string? NextStep =>
        $"raise 'resources' in the plugin's manifest if the plugin legitimately needs more {Resource}, or report it to its author.";
}
