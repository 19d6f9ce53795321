using System.Text.Json;
using System.Text.Json.Serialization;
using Eco.Weather;
using Stockade.Plugin;
using Stockade.Plugin.Generated;

namespace Stockade.Hosting.Tests.Issue19;

// Contracts a host might be built against that differ from the plugin's eco.weather v2 (samples/contracts/weather):
// an older and a newer version of it, and a contract no sample implements. Their proxies are hand-written in the
// generator's shape, as IWeather's is until the generator lands.

/// <summary>eco.weather as a host built before version 2 knows it.</summary>
[PluginContract("eco.weather", 1)]
[PluginContractProxy(typeof(WeatherV1Proxy))]
public interface IWeatherV1
{
    /// <summary>The forecast.</summary>
    [PluginMethod("forecast")]
    Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default);
}

/// <summary>eco.weather as a host built after version 3 knows it.</summary>
[PluginContract("eco.weather", 3)]
[PluginContractProxy(typeof(WeatherV3Proxy))]
public interface IWeatherV3
{
    /// <summary>The forecast.</summary>
    [PluginMethod("forecast")]
    Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default);
}

/// <summary>A contract no sample implements.</summary>
[PluginContract("eco.clock", 1)]
[PluginContractProxy(typeof(ClockProxy))]
public interface IClock
{
    /// <summary>The time.</summary>
    [PluginMethod("now")]
    Task<string> NowAsync(CancellationToken cancellationToken = default);
}

/// <summary>A contract interface built without the generator: no proxy.</summary>
[PluginContract("eco.bare", 1)]
public interface IBareContract;

/// <summary>An interface that is not a contract.</summary>
public interface INotAContract;

/// <summary>A contract whose name the host cannot match (upper case, a space).</summary>
[PluginContract("Eco Weather", 1)]
[PluginContractProxy(typeof(BadNameProxy))]
public interface IBadName;

/// <summary>Proxy of <see cref="IWeatherV1"/>.</summary>
public sealed class WeatherV1Proxy(IPluginInvoker invoker) : IWeatherV1
{
    /// <inheritdoc />
    public async Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default) =>
        (await invoker.InvokeAsync("forecast", input, WeatherJson.Default.ForecastInput, WeatherJson.Default.Forecast, cancellationToken))!;
}

/// <summary>Proxy of <see cref="IWeatherV3"/>.</summary>
public sealed class WeatherV3Proxy(IPluginInvoker invoker) : IWeatherV3
{
    /// <inheritdoc />
    public async Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default) =>
        (await invoker.InvokeAsync("forecast", input, WeatherJson.Default.ForecastInput, WeatherJson.Default.Forecast, cancellationToken))!;
}

/// <summary>Proxy of <see cref="IClock"/>.</summary>
public sealed class ClockProxy(IPluginInvoker invoker) : IClock
{
    /// <inheritdoc />
    public async Task<string> NowAsync(CancellationToken cancellationToken = default) =>
        (await invoker.InvokeAsync("now", ClockJson.Default.String, cancellationToken))!;
}

/// <summary>Proxy of <see cref="IBadName"/>.</summary>
public sealed class BadNameProxy(IPluginInvoker invoker) : IBadName
{
    /// <summary>The invoker.</summary>
    public IPluginInvoker Invoker => invoker;
}

/// <summary>Metadata of <see cref="IClock"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(string))]
public sealed partial class ClockJson : JsonSerializerContext;
