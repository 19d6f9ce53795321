using System.Text.Json.Serialization;

namespace Stockade.Linux.Launch;

/// <summary>
/// Source-generated JSON for <see cref="LaunchSpec"/>: no reflection, so it works in the NativeAOT launcher.
/// The spec types use setters, not init accessors: the generator assigns every init property, so a missing
/// JSON member would overwrite its default with null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(LaunchSpec))]
internal sealed partial class LaunchSpecJsonContext : JsonSerializerContext;
