using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Stockade.Hosting;

/// <summary>
/// The loggers a plugin's own log lines (<c>host.log</c>) are written to: category <c>Stockade.Plugins.&lt;id&gt;</c>, or
/// <c>Stockade.Plugins.&lt;id&gt;.&lt;category&gt;</c> when the plugin names one, so an application filters them like its own
/// (<c>"Logging": { "LogLevel": { "Stockade.Plugins": "Warning" } }</c>). The plugin's level and category are its word:
/// a level is read from a short list (anything else is Information, and nothing is above Error), and a category is kept
/// only when it is short and plain (letters, digits, <c>.</c>, <c>-</c>, <c>_</c>) and only for the first
/// <see cref="MaxCategories"/> a plugin names — a logger factory keeps every logger it made, so a plugin must not be able
/// to make it keep one per line.
/// </summary>
internal sealed class PluginLoggers(ILoggerFactory factory, string pluginId)
{
    /// <summary>The most distinct categories one plugin gets for the host's lifetime; later ones log under the plugin's own.</summary>
    public const int MaxCategories = 32;

    /// <summary>The longest category kept, in characters.</summary>
    public const int MaxCategoryLength = 64;

    /// <summary>The prefix of every plugin's logger category.</summary>
    public const string CategoryPrefix = "Stockade.Plugins.";

    private static readonly SearchValues<char> CategoryChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    private readonly ConcurrentDictionary<string, ILogger> _byCategory = new(StringComparer.Ordinal);
    private readonly ILogger _own = factory.CreateLogger(CategoryPrefix + pluginId);

    /// <summary>The logger for <paramref name="category"/> (the plugin's own one when it is absent, unusable or one too many).</summary>
    public ILogger For(string? category)
    {
        if (!IsPlain(category))
        {
            return _own;
        }

        if (_byCategory.TryGetValue(category!, out var logger))
        {
            return logger;
        }

        return _byCategory.Count >= MaxCategories
            ? _own
            : _byCategory.GetOrAdd(category!, c => factory.CreateLogger(CategoryPrefix + pluginId + "." + c));
    }

    /// <summary>
    /// The plugin's level name as a <see cref="LogLevel"/>: <c>trace</c>, <c>debug</c>, <c>info</c>/<c>information</c>,
    /// <c>warn</c>/<c>warning</c>, <c>error</c> (any case); <c>critical</c>/<c>fatal</c> are Error (a plugin speaks about its
    /// own work, never for the host); anything else, or none, is Information.
    /// </summary>
    public static LogLevel Level(string? name) => name?.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warn" or "warning" => LogLevel.Warning,
        "error" or "critical" or "fatal" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    private static bool IsPlain(string? category) =>
        !string.IsNullOrEmpty(category) && category.Length <= MaxCategoryLength
        && !category.AsSpan().ContainsAnyExcept(CategoryChars)
        && category[0] != '.' && category[^1] != '.' && !category.Contains("..", StringComparison.Ordinal);
}
