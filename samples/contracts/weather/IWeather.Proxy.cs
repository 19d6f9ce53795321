using Stockade.Plugin.Generated;

namespace Eco.Weather;

// Hand-written in the exact shape the Stockade.Plugin source generator emits for a [PluginContract] interface, until
// the generator is referenced here (issue 19): delete this file then; the generated part carries the same attribute.
[PluginContractProxy(typeof(WeatherProxy))]
public partial interface IWeather;

/// <summary>The host's proxy of <see cref="IWeather"/>: each method is one typed call through an <see cref="IPluginInvoker"/>.</summary>
/// <param name="invoker">The plugin the calls go to.</param>
public sealed class WeatherProxy(IPluginInvoker invoker) : IWeather
{
    /// <inheritdoc />
    public async Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default) =>
        (await invoker.InvokeAsync("forecast", input, WeatherJson.Default.ForecastInput, WeatherJson.Default.Forecast, cancellationToken).ConfigureAwait(false))!;

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> StationsAsync(CancellationToken cancellationToken = default) =>
        (await invoker.InvokeAsync("stations", WeatherJson.Default.IReadOnlyListString, cancellationToken).ConfigureAwait(false))!;

    /// <inheritdoc />
    public async Task<Forecast> WaitAsync(WaitInput input, CancellationToken cancellationToken = default) =>
        (await invoker.InvokeAsync("wait", input, WeatherJson.Default.WaitInput, WeatherJson.Default.Forecast, cancellationToken).ConfigureAwait(false))!;
}
