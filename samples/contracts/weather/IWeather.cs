using Stockade.Plugin;

namespace Eco.Weather;

/// <summary>
/// A weather service as a typed contract: the host calls <c>host.GetPlugin&lt;IWeather&gt;("samples.weather")</c>, any plugin
/// whose class implements it serves it. Version 2 added <see cref="ForecastInput.Days"/>; a host or plugin built against
/// version 1 is refused with both versions named.
/// </summary>
[PluginContract("eco.weather", 2)]
public partial interface IWeather
{
    /// <summary>The forecast for <see cref="ForecastInput.City"/>, one entry a day.</summary>
    [PluginMethod("forecast")]
    Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default);

    /// <summary>The stations the plugin knows.</summary>
    [PluginMethod("stations")]
    Task<IReadOnlyList<string>> StationsAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits <see cref="WaitInput.Milliseconds"/> (cancellable), then answers: the timeout and cancellation demo.</summary>
    [PluginMethod("wait")]
    Task<Forecast> WaitAsync(WaitInput input, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IWeather.ForecastAsync"/> is asked.</summary>
/// <param name="City">The city.</param>
/// <param name="Days">How many days, 1 to 14.</param>
public sealed record ForecastInput(string City, int Days);

/// <summary>A forecast.</summary>
/// <param name="City">The city.</param>
/// <param name="Days">One entry a day.</param>
public sealed record Forecast(string City, IReadOnlyList<DayForecast> Days);

/// <summary>One day of a forecast.</summary>
/// <param name="Day">Days from today.</param>
/// <param name="HighC">The high, in °C.</param>
/// <param name="Summary">A word or two.</param>
public sealed record DayForecast(int Day, double HighC, string Summary);

/// <summary>What <see cref="IWeather.WaitAsync"/> is asked.</summary>
/// <param name="Milliseconds">How long to wait.</param>
public sealed record WaitInput(int Milliseconds);
