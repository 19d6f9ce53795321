namespace Stockade.Core.Manifest;

/// <summary>How a plugin's code is started.</summary>
public enum PluginRuntime
{
    /// <summary>A .NET assembly loaded by the Stockade worker; <see cref="PluginManifest.Entry"/> is the plugin's .dll.</summary>
    Dotnet,

    /// <summary>An executable or script speaking the JSON-RPC protocol; <see cref="PluginManifest.Entry"/> is that file.</summary>
    Process,
}
