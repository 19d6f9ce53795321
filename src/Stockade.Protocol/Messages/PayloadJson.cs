using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>
/// The JSON conventions of what plugins take and give (method inputs, results, hook payloads), defined once for both
/// ends of the pipe: the worker binds inputs and writes results with them, and the host writes typed inputs and reads
/// typed results with them (<c>StockadeJson.Options</c>). Web conventions: camelCase names written, names read without
/// regard to case, numbers as numbers; a missing required constructor parameter or a null for a non-nullable member
/// is a binding error rather than a silent default.
/// </summary>
internal static class PayloadJson
{
    /// <summary>A new, still writable, options object with the conventions (callers add a resolver and freeze it).</summary>
    public static JsonSerializerOptions Create() => new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
