using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stockade.Hosting;
using Stockade.Hosting.DependencyInjection;

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
        services.AddOptions<PluginHostOptions>().Configure(configure);
        return AddHost(services);
    }

    /// <summary>
    /// Adds a singleton <see cref="PluginHost"/> whose options are bound from <paramref name="configuration"/> (for
    /// example <c>builder.Configuration.GetSection("Stockade")</c>: <c>"Home"</c>, <c>"DefaultLevel"</c>,
    /// <c>"Watchdog": { "Interval": "00:00:01" }</c>…), then changed by <paramref name="configure"/> when given. Validated
    /// like every <see cref="PluginHostOptions"/>, at start-up (<c>ValidateOnStart</c>), every problem in one message; a
    /// key that names no setting (a misspelt <c>"AllowDowngrad"</c>) or a value that does not convert is one of the problems,
    /// never silently ignored.
    /// </summary>
    public static IServiceCollection AddStockade(this IServiceCollection services, IConfiguration configuration, Action<PluginHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<IConfigureOptions<PluginHostOptions>>(new BindFromConfiguration(configuration));
        if (configure is not null)
        {
            services.AddOptions<PluginHostOptions>().Configure(configure);
        }

        services.AddSingleton<IOptionsChangeTokenSource<PluginHostOptions>>(new ConfigurationChangeTokenSource<PluginHostOptions>(configuration));
        return AddHost(services);
    }

    /// <summary>
    /// Adds a hosted service that loads the plugins installed in the home (enabled ones; see
    /// <see cref="StockadeLoadingOptions"/>) when the application starts, and unloads them when it stops. Opt-in: without
    /// it, the application loads plugins itself. Needs <see cref="AddStockade(IServiceCollection, Action{PluginHostOptions})"/>
    /// (or the configuration overload) too.
    /// </summary>
    public static IServiceCollection AddStockadeHostedLoading(this IServiceCollection services, Action<StockadeLoadingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<StockadeLoadingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StockadeLoadingService>());
        return services;
    }

    private static IServiceCollection AddHost(IServiceCollection services)
    {
        services.AddOptions<PluginHostOptions>().ValidateOnStart();
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

    /// <summary>
    /// Binds the options from configuration, strictly: a key that names no setting, or a value that does not convert, is
    /// kept as a problem of these very options, and <see cref="PluginHostOptionsValidator"/> reports it with the others.
    /// </summary>
    private sealed class BindFromConfiguration(IConfiguration configuration) : IConfigureOptions<PluginHostOptions>
    {
        public void Configure(PluginHostOptions options)
        {
            try
            {
                configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException ex)
            {
                var where = configuration is IConfigurationSection section ? $"configuration section '{section.Path}'" : "configuration";
                BindingProblems.Add(options, $"{where}: {ex.Message}");

                // The strict binder stops at the first unknown key: bind the rest leniently, so the validation that follows
                // reports every other problem in the same message, not one per start.
                try
                {
                    configuration.Bind(options);
                }
                catch (InvalidOperationException more) when (more.Message != ex.Message)
                {
                    BindingProblems.Add(options, $"{where}: {more.Message}");
                }
                catch (InvalidOperationException)
                {
                    // The same problem, already recorded.
                }
            }
        }
    }
}
