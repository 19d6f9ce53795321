namespace Stockade.Plugin;

/// <summary>The host's log, as seen by a plugin. Logging never throws.</summary>
public interface IPluginLog
{
    /// <summary>Detail useful when diagnosing.</summary>
    void Debug(string message);

    /// <summary>Normal progress.</summary>
    void Info(string message);

    /// <summary>Something unexpected the plugin recovered from.</summary>
    void Warning(string message);

    /// <summary>Something failed.</summary>
    void Error(string message);

    /// <summary>
    /// The same log with every line labelled <paramref name="category"/> (e.g. <c>"cache"</c>): the host writes its lines to
    /// the logger category <c>Stockade.Plugins.&lt;plugin id&gt;.&lt;category&gt;</c>, so an application can filter them.
    /// A category is letters, digits, <c>.</c>, <c>-</c> and <c>_</c>, at most 64 characters; the host keeps the first 32
    /// a plugin names and logs anything else under the plugin's own category.
    /// </summary>
    /// <param name="category">The label.</param>
    /// <returns>A log writing under <paramref name="category"/> (this log, where the host does not know categories).</returns>
    IPluginLog ForCategory(string category) => this;
}
