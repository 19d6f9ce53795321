using System.Text.Json;

namespace Stockade.Plugin;

/// <summary>The plugin's configuration, kept by the host (needs <c>config:read</c> / <c>config:write</c> for the key).</summary>
public interface IPluginConfig
{
    /// <summary>The value of <paramref name="key"/>, or <see langword="null"/> when it is not set.</summary>
    ValueTask<JsonElement?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    ValueTask SetAsync(string key, JsonElement value, CancellationToken cancellationToken = default);
}
