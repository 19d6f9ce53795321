using Eco.Weather;
using Stockade.Plugin;

namespace Samples.WeatherPlugin;

/// <summary>
/// Serves <see cref="IWeather"/> (contract <c>eco.weather</c> v2) with made-up forecasts. The wire names are declared on the
/// contract; they are repeated on the methods for workers that dispatch by reflection over the class.
/// </summary>
public sealed class WeatherPlugin : IPlugin, IWeather
{
    private static readonly string[] Summaries = ["sunny", "cloudy", "rain", "wind", "snow"];

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    [PluginMethod("forecast")]
    public Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default)
    {
        if (input.Days is < 1 or > 14)
        {
            throw new ArgumentOutOfRangeException(nameof(input), input.Days, "days must be 1 to 14");
        }

        var seed = 0;
        foreach (var c in input.City)
        {
            seed = (seed * 31) + c;
        }

        var days = new DayForecast[input.Days];
        for (var day = 0; day < days.Length; day++)
        {
            days[day] = new DayForecast(day, 10 + (Math.Abs(seed + (day * 7)) % 200 / 10.0), Summaries[Math.Abs(seed + day) % Summaries.Length]);
        }

        return Task.FromResult(new Forecast(input.City, days));
    }

    /// <inheritdoc />
    [PluginMethod("stations")]
    public Task<IReadOnlyList<string>> StationsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>(["lisbon", "oslo", "quito"]);

    /// <inheritdoc />
    [PluginMethod("wait")]
    public async Task<Forecast> WaitAsync(WaitInput input, CancellationToken cancellationToken = default)
    {
        await Task.Delay(input.Milliseconds, cancellationToken).ConfigureAwait(false);
        return new Forecast("waited", []);
    }
}
