using System.Text.Json;
using System.Text.Json.Serialization;

namespace Samples.HelloNative;

/// <summary>Input of <c>greet</c>.</summary>
public sealed record GreetInput(string Name);

/// <summary>Result of <c>greet</c>.</summary>
public sealed record GreetOutput(string Message);

/// <summary>Input of <c>read</c>.</summary>
public sealed record ReadInput(string Path);

/// <summary>Result of <c>read</c>.</summary>
public sealed record ReadOutput(string Text);

/// <summary>Input of <c>sleep</c>.</summary>
public sealed record SleepInput(int Ms);

/// <summary>Result of the <c>demo.ping</c> hook.</summary>
public sealed record PingOutput(string Reply);

/// <summary>
/// The serializer metadata of the plugin's inputs and results, generated at build time (NativeAOT has no reflection-based
/// serializer). Web conventions (camelCase), as the host's payloads use.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(GreetInput))]
[JsonSerializable(typeof(GreetOutput))]
[JsonSerializable(typeof(ReadInput))]
[JsonSerializable(typeof(ReadOutput))]
[JsonSerializable(typeof(SleepInput))]
[JsonSerializable(typeof(PingOutput))]
[JsonSerializable(typeof(int))]
public sealed partial class HelloNativeJson : JsonSerializerContext;
