namespace Stockade.Plugin;

/// <summary>The plugin's own key-value store, kept by the host (needs <c>database:read</c> / <c>database:write</c>).</summary>
public interface IPluginStore
{
    /// <summary>The value of <paramref name="key"/>, or <see langword="null"/> when it is not set.</summary>
    ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    ValueTask SetAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="key"/>; returns whether it existed.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The keys starting with <paramref name="prefix"/> (all keys when <see langword="null"/>), in ordinal order.</summary>
    ValueTask<IReadOnlyList<string>> ListAsync(string? prefix = null, CancellationToken cancellationToken = default);
}
