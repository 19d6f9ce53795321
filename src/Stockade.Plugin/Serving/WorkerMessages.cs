using System.Buffers;
using System.Text.Json;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

/// <summary>
/// The worker's own protocol messages read from and written to JSON by hand. The serializer's metadata for a record with a
/// <see cref="JsonElement"/>? member (parameterised constructor, nullable converter, property caches) is generic code over
/// framework types that ReadyToRun cannot precompile for the worker, so building it cost about a hundred JIT compilations
/// on the way to answering <c>initialize</c> (docs/performance.md). The shapes and names are those of the records in
/// <c>Stockade.Protocol/Messages</c> (camelCase); unknown members are ignored, as the serializer does, and a missing or
/// mistyped required member is <c>invalid_params</c>.
/// </summary>
internal static class WorkerMessages
{
    public static InitializeParams ReadInitialize(JsonElement? parameters)
    {
        var value = RequireObject<InitializeParams>(parameters);
        string? pluginId = null, level = null, pluginDir = null, dataDir = null, tempDir = null;
        JsonElement? config = null;
        IReadOnlyList<string>? granted = null;
        foreach (var member in value.EnumerateObject())
        {
            switch (member.Name)
            {
                case "pluginId":
                    pluginId = ReadString<InitializeParams>(member);
                    break;
                case "level":
                    level = ReadString<InitializeParams>(member);
                    break;
                case "pluginDir":
                    pluginDir = ReadString<InitializeParams>(member);
                    break;
                case "dataDir":
                    dataDir = ReadString<InitializeParams>(member);
                    break;
                case "tempDir":
                    tempDir = ReadString<InitializeParams>(member);
                    break;
                case "config":
                    config = ReadOptional(member);
                    break;
                case "grantedPermissions":
                    granted = ReadStrings<InitializeParams>(member);
                    break;
            }
        }

        return new InitializeParams(
            Required<InitializeParams>(pluginId, "pluginId"),
            Required<InitializeParams>(level, "level"),
            Required<InitializeParams>(pluginDir, "pluginDir"),
            Required<InitializeParams>(dataDir, "dataDir"),
            Required<InitializeParams>(tempDir, "tempDir"),
            config,
            granted ?? []);
    }

    public static InvokeParams ReadInvoke(JsonElement? parameters)
    {
        var value = RequireObject<InvokeParams>(parameters);
        string? method = null, traceParent = null, traceState = null;
        JsonElement? input = null;
        foreach (var member in value.EnumerateObject())
        {
            switch (member.Name)
            {
                case "method":
                    method = ReadString<InvokeParams>(member);
                    break;
                case "input":
                    input = ReadOptional(member);
                    break;
                case "traceparent":
                    traceParent = ReadTrace(member);
                    break;
                case "tracestate":
                    traceState = ReadTrace(member);
                    break;
            }
        }

        return new InvokeParams(Required<InvokeParams>(method, "method"), input) { TraceParent = traceParent, TraceState = traceState };
    }

    public static HookParams ReadHook(JsonElement? parameters)
    {
        var value = RequireObject<HookParams>(parameters);
        string? name = null, traceParent = null, traceState = null;
        JsonElement? payload = null;
        foreach (var member in value.EnumerateObject())
        {
            switch (member.Name)
            {
                case "name":
                    name = ReadString<HookParams>(member);
                    break;
                case "payload":
                    payload = ReadOptional(member);
                    break;
                case "traceparent":
                    traceParent = ReadTrace(member);
                    break;
                case "tracestate":
                    traceState = ReadTrace(member);
                    break;
            }
        }

        return new HookParams(Required<HookParams>(name, "name"), payload) { TraceParent = traceParent, TraceState = traceState };
    }

    public static JsonElement WriteInitializeResult(InitializeResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteStrings(writer, "methods", result.Methods);
            WriteStrings(writer, "hooks", result.Hooks);
            writer.WriteString("sdkVersion", result.SdkVersion);
            if (result.Contracts is { Count: > 0 } contracts)
            {
                writer.WriteStartObject("contracts");
                foreach (var (name, version) in contracts)
                {
                    writer.WriteNumber(name, version);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// The <c>host.log</c> parameters (<see cref="LogParams"/>). Through the serializer, the first log line of a plugin
    /// (most log in <c>InitializeAsync</c>) built <see cref="LogParams"/>' metadata on the way to the first answer:
    /// ≈ 20 ms at start-up (docs/performance.md, start-up, session 11 initialize).
    /// </summary>
    public static JsonElement WriteLog(string level, string message, string? category = null)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("level", level);
            writer.WriteString("message", message);
            if (category is not null)
            {
                writer.WriteString("category", category);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static JsonElement RequireObject<T>(JsonElement? parameters) =>
        parameters is { ValueKind: JsonValueKind.Object } value
            ? value
            : throw new RpcException(RpcErrorCode.InvalidParams, $"params must be a {typeof(T).Name} object");

    // null stays null (then reported as missing if required); any other kind than a string does not fit.
    private static string? ReadString<T>(JsonProperty member) => member.Value.ValueKind switch
    {
        JsonValueKind.String => member.Value.GetString(),
        JsonValueKind.Null => null,
        _ => throw Misfit<T>(member.Name, "a string"),
    };

    // The trace context is optional and never fails a call: anything but a string is ignored (WorkerTrace checks the form).
    private static string? ReadTrace(JsonProperty member) =>
        member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : null;

    private static JsonElement? ReadOptional(JsonProperty member) =>
        member.Value.ValueKind == JsonValueKind.Null ? null : member.Value.Clone();

    private static string[]? ReadStrings<T>(JsonProperty member)
    {
        if (member.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (member.Value.ValueKind != JsonValueKind.Array)
        {
            throw Misfit<T>(member.Name, "an array of strings");
        }

        var values = new string[member.Value.GetArrayLength()];
        var i = 0;
        foreach (var item in member.Value.EnumerateArray())
        {
            values[i++] = item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Misfit<T>(member.Name, "an array of strings");
        }

        return values;
    }

    private static string Required<T>(string? value, string name) =>
        value ?? throw new RpcException(RpcErrorCode.InvalidParams, $"params do not fit {typeof(T).Name}: '{name}' is required (a string)");

    private static RpcException Misfit<T>(string name, string expected) =>
        new(RpcErrorCode.InvalidParams, $"params do not fit {typeof(T).Name}: '{name}' must be {expected}");
}
