using System.Text.Json;
using System.Text.Json.Serialization;

namespace Eco.Weather;

/// <summary>
/// The JSON metadata of <see cref="IWeather"/>'s inputs and results, declared by the contract's project: the source generator
/// finds it and builds the proxy on it (no reflection, no run-time serializer generation). The web defaults (camelCase) are
/// the names a plugin's worker reads and writes.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ForecastInput))]
[JsonSerializable(typeof(Forecast))]
[JsonSerializable(typeof(WaitInput))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
public sealed partial class WeatherJson : JsonSerializerContext;
