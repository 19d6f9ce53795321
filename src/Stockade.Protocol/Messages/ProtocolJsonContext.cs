using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stockade.Protocol;

/// <summary>Source-generated JSON metadata for every protocol message (camelCase names, nulls omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InitializeParams))]
[JsonSerializable(typeof(InitializeResult))]
[JsonSerializable(typeof(InvokeParams))]
[JsonSerializable(typeof(HookParams))]
[JsonSerializable(typeof(CancelParams))]
[JsonSerializable(typeof(LogParams))]
[JsonSerializable(typeof(HttpRequestParams))]
[JsonSerializable(typeof(HttpResponseResult))]
[JsonSerializable(typeof(ServiceCallParams))]
[JsonSerializable(typeof(ConfigGetParams))]
[JsonSerializable(typeof(ConfigSetParams))]
[JsonSerializable(typeof(ValueResult))]
[JsonSerializable(typeof(KvKeyParams))]
[JsonSerializable(typeof(KvSetParams))]
[JsonSerializable(typeof(KvValueResult))]
[JsonSerializable(typeof(KvDeleteResult))]
[JsonSerializable(typeof(KvListParams))]
[JsonSerializable(typeof(KvListResult))]
[JsonSerializable(typeof(PermissionRequestParams))]
[JsonSerializable(typeof(PermissionRequestResult))]
[JsonSerializable(typeof(DenialParams))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;
