using System.Text.Json;

namespace Stockade.Protocol;

/// <summary>Parameters of <c>initialize</c>: who the plugin is and what it may do.</summary>
/// <param name="PluginId">The plugin's id, e.g. <c>samples.hello</c>.</param>
/// <param name="Level">The security level it runs at: <c>unrestricted</c>, <c>limited</c>, <c>sandboxed</c> or <c>strict</c>.</param>
/// <param name="PluginDir">The plugin's installed folder (read-only to it).</param>
/// <param name="DataDir"><c>$PLUGIN_DATA</c>: its persistent read-write folder.</param>
/// <param name="TempDir"><c>$TEMP</c>: its temporary folder, wiped when the worker exits.</param>
/// <param name="Config">Its configuration, if any.</param>
/// <param name="GrantedPermissions">The permissions granted to it, e.g. <c>file:write=$PLUGIN_DATA/**</c>.</param>
internal sealed record InitializeParams(
    string PluginId,
    string Level,
    string PluginDir,
    string DataDir,
    string TempDir,
    JsonElement? Config,
    IReadOnlyList<string> GrantedPermissions);
