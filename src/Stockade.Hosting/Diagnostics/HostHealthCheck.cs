using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Stockade.Hosting.Diagnostics;

/// <summary>The host's health (<c>AddStockade</c> on a health checks builder); the judgement is <c>PluginHost.CheckHealth</c>.</summary>
internal sealed class HostHealthCheck(PluginHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.CheckHealth(context.Registration.FailureStatus));
}
