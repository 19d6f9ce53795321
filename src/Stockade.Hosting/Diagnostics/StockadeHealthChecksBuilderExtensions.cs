using Microsoft.Extensions.Diagnostics.HealthChecks;
using Stockade.Hosting;
using Stockade.Hosting.Diagnostics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Health checks (Microsoft.Extensions.Diagnostics.HealthChecks) for the <see cref="PluginHost"/> registered with
/// <c>AddStockade</c> and for its plugins; map them with ASP.NET Core's <c>MapHealthChecks</c> or read them from
/// <see cref="HealthCheckService"/>. What each reports is in docs/observability.md.
/// </summary>
public static class StockadeHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the host: unhealthy (<paramref name="failureStatus"/>) when its audit log cannot be written (brokered
    /// calls are then refused), its store cannot be read, or it was disposed; degraded while a loaded plugin is disabled;
    /// healthy otherwise. The data lists every loaded plugin's state.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; <c>stockade</c> by default.</param>
    /// <param name="failureStatus">The status reported when the host is unhealthy; <see cref="HealthStatus.Unhealthy"/> when null.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    public static IHealthChecksBuilder AddStockade(this IHealthChecksBuilder builder, string name = "stockade", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(name, static sp => new HostHealthCheck(sp.GetRequiredService<PluginHost>()), failureStatus, tags));
    }

    /// <summary>
    /// Adds a check of one plugin: unhealthy (<paramref name="failureStatus"/>) when it is not loaded or is disabled;
    /// degraded when its worker was restarted within the restart window (it crashed, was killed or timed out); healthy
    /// when it serves or waits for its next call (a worker starts on demand).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="pluginId">The plugin's id, e.g. <c>samples.hello</c>.</param>
    /// <param name="name">The check's name; <c>stockade:&lt;id&gt;</c> by default.</param>
    /// <param name="failureStatus">The status reported when the plugin is unhealthy; <see cref="HealthStatus.Unhealthy"/> when null.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    public static IHealthChecksBuilder AddStockadePlugin(this IHealthChecksBuilder builder, string pluginId, string? name = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        return builder.Add(new HealthCheckRegistration(name ?? $"stockade:{pluginId}", sp => new PluginHealthCheck(sp.GetRequiredService<PluginHost>(), pluginId), failureStatus, tags));
    }
}
