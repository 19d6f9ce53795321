using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>$/cancel</c>.</summary>
/// <param name="Id">The id of the request the caller gave up on.</param>
internal sealed record CancelParams(
    JsonElement Id);
