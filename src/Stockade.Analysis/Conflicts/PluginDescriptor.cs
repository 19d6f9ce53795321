using Stockade.Core.Manifest;

namespace Stockade.Analysis.Conflicts;

/// <summary>What conflict and dependency checks need to know of a plugin (mapped from its manifest by the host).</summary>
public sealed record PluginDescriptor
{
    /// <summary>Plugin id, compared ordinally ignoring case.</summary>
    public required string Id { get; init; }

    /// <summary>Plugin version (SemVer).</summary>
    public required string Version { get; init; }

    /// <summary>APIs the plugin provides.</summary>
    public IReadOnlyList<ProvidedApi> Provides { get; init; } = [];

    /// <summary>Plugins or APIs the plugin needs, with version ranges (the manifest's own <see cref="PluginRequirement"/>: one type, one range grammar).</summary>
    public IReadOnlyList<PluginRequirement> Requires { get; init; } = [];

    /// <summary>Plugins it cannot run next to.</summary>
    public IReadOnlyList<DeclaredConflict> Conflicts { get; init; } = [];

    /// <summary>Resources only one plugin may hold (e.g. <c>port:8080</c>, <c>hotkey:ctrl+shift+v</c>), compared ordinally.</summary>
    public IReadOnlyList<string> Exclusive { get; init; } = [];
}
