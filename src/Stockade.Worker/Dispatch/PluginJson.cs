using System.Text.Json;

namespace Stockade.Worker;

// JSON settings for plugin inputs and results (reflection-based: plugin types are only known at run time).
internal static class PluginJson
{
    // Missing required inputs and nulls for non-nullable members are binding errors, reported as invalid_params.
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
