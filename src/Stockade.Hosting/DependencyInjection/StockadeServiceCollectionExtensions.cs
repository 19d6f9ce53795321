using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stockade.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Stockade's <see cref="PluginHost"/> in a service collection.</summary>
public static class StockadeServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="PluginHost"/> configured by <paramref name="configure"/>; the options
    /// are validated when the host is first resolved and at start-up (<c>ValidateOnStart</c>).
    /// </summary>
    public static IServiceCollection AddStockade(this IServiceCollection services, Action<PluginHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PluginHostOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PluginHostOptions>, PluginHostOptionsValidator>()); // every problem in one message
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PluginHost(
            sp.GetRequiredService<IOptions<PluginHostOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>())
        {
            PermissionPrompt = sp.GetService<IPermissionPrompt>(),
        });
        return services;
    }
}
