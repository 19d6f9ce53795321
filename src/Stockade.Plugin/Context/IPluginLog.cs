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
}
