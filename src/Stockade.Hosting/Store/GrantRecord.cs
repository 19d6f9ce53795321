namespace Stockade.Hosting.Store;

/// <summary>A person's decision on one permission of one plugin.</summary>
/// <param name="PluginId">The plugin.</param>
/// <param name="Permission">The permission text, e.g. <c>file:read=$PLUGIN_DATA/**</c>.</param>
/// <param name="Allowed">True when granted, false when explicitly refused.</param>
/// <param name="Optional">True when the manifest lists it as optional.</param>
/// <param name="GrantedAt">When the decision was made.</param>
/// <param name="GrantedBy">Who or what made it (user name, <c>install --grant all</c>, host code).</param>
internal sealed record GrantRecord(
    string PluginId,
    string Permission,
    bool Allowed,
    bool Optional,
    DateTimeOffset GrantedAt,
    string GrantedBy);
