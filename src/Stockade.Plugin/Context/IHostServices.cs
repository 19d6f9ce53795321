using System.Text.Json;

namespace Stockade.Plugin;

/// <summary>Services the host application exposes to plugins (e.g. <c>clipboard</c>), each guarded by a permission.</summary>
public interface IHostServices
{
    /// <summary>
    /// Calls <paramref name="method"/> of <paramref name="service"/> with <paramref name="args"/> (serialised to JSON)
    /// and returns its result.
    /// </summary>
    /// <exception cref="PermissionDeniedException">The plugin may not use the service.</exception>
    /// <exception cref="RateLimitedException">Too many calls.</exception>
    /// <exception cref="StockadeException">The service failed or does not exist.</exception>
    ValueTask<JsonElement> CallAsync(string service, string method, JsonElement? args = null, CancellationToken cancellationToken = default);
}
