using System.Text.Json.Serialization;

namespace MyPlugin;

/// <summary>
/// The JSON metadata of the plugin's inputs and results, generated at build time. With it, the Stockade.Plugin package's
/// generator emits the plugin's dispatch table (no reflection at start-up, and what NativeAOT needs); a type missing here
/// is a build error naming the line to add.
/// </summary>
[JsonSerializable(typeof(HelloInput))]
[JsonSerializable(typeof(HelloResult))]
internal sealed partial class MyPluginJson : JsonSerializerContext
{
}
