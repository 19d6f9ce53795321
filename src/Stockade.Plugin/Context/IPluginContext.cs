namespace Stockade.Plugin;

/// <summary>What a plugin may reach: its folders, and the host through the permission broker.</summary>
public interface IPluginContext
{
    /// <summary>The plugin's id from its manifest.</summary>
    string PluginId { get; }

    /// <summary>Persistent folder the plugin may write (<c>$PLUGIN_DATA</c>).</summary>
    string DataDirectory { get; }

    /// <summary>Temporary folder, wiped when the worker exits (<c>$TEMP</c>).</summary>
    string TempDirectory { get; }

    /// <summary>Writes to the host's log.</summary>
    IPluginLog Log { get; }

    /// <summary>
    /// An HTTP client whose requests the host performs after checking <c>network:request</c>. The worker has no
    /// network of its own; a refusal surfaces as <see cref="PermissionDeniedException"/>.
    /// </summary>
    HttpClient Http { get; }

    /// <summary>Services the host application exposes to plugins.</summary>
    IHostServices Services { get; }

    /// <summary>The plugin's configuration, kept by the host.</summary>
    IPluginConfig Config { get; }

    /// <summary>The plugin's own key-value store, kept by the host.</summary>
    IPluginStore Store { get; }

    /// <summary>
    /// Asks for an optional permission declared in the manifest; a person may be asked. Returns whether it is granted
    /// now. A refusal is an answer, not an error.
    /// </summary>
    ValueTask<bool> RequestPermissionAsync(string permission, string reason, CancellationToken cancellationToken = default);
}
