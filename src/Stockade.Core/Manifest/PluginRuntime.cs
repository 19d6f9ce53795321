namespace Stockade.Core.Manifest;

/// <summary>How a plugin's code is started.</summary>
public enum PluginRuntime
{
    /// <summary>A .NET assembly loaded by the Stockade worker; <see cref="PluginManifest.Entry"/> is the plugin's .dll.</summary>
    Dotnet,

    /// <summary>An executable or script speaking the JSON-RPC protocol; <see cref="PluginManifest.Entry"/> is that file.</summary>
    Process,

    /// <summary>
    /// A .NET plugin compiled ahead of time (NativeAOT) into an executable that carries the SDK's protocol server;
    /// <see cref="PluginManifest.Entry"/> is that executable. Started like <see cref="Process"/> (launcher, Landlock, the
    /// seccomp filter installed before exec, canary), under the NativeAOT allow-list.
    /// </summary>
    Native,
}
