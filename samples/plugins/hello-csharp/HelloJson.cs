using System.Text.Json.Serialization;

namespace Samples.Hello;

/// <summary>
/// The JSON metadata of the plugin's inputs and results, generated at build time; the Stockade generator's dispatch table
/// reads it, so no call serialises by reflection. A type missing here is a build error naming the line to add.
/// </summary>
[JsonSerializable(typeof(GreetInput))]
[JsonSerializable(typeof(GreetOutput))]
[JsonSerializable(typeof(SleepInput))]
[JsonSerializable(typeof(TraceOutput))]
internal sealed partial class HelloJson : JsonSerializerContext
{
}
