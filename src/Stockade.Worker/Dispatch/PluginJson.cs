using System.Text.Json;

namespace Stockade.Worker;

// JSON settings for plugin inputs and results (reflection-based: plugin types are only known at run time).
internal static class PluginJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
