using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>hook</c>.</summary>
/// <param name="Name">The hook, e.g. <c>clip.copied</c>.</param>
/// <param name="Payload">The hook's payload.</param>
internal sealed record HookParams(
    string Name,
    JsonElement? Payload);
