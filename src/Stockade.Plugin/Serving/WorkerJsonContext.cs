using System.Text.Json.Serialization;

namespace Stockade.Plugin.Serving;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PluginErrorData))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;
