using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Stockade.Hosting.Diagnostics;

/// <summary>One plugin's health (<c>AddStockadePlugin</c>); the judgement is <c>PluginHost.CheckPluginHealth</c>.</summary>
internal sealed class PluginHealthCheck(PluginHost host, string pluginId) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.CheckPluginHealth(pluginId, context.Registration.FailureStatus));
}
