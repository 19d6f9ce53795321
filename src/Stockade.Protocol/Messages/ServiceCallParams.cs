using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.service.call</c>.</summary>
/// <param name="Service">The host service, e.g. <c>clipboard</c>.</param>
/// <param name="Method">Its method.</param>
/// <param name="Args">Its arguments.</param>
internal sealed record ServiceCallParams(
    string Service,
    string Method,
    JsonElement? Args);
