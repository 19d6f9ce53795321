namespace Stockade.Hosting.Store;

/// <summary>An installed plugin as kept in <c>stockade.db</c>.</summary>
/// <param name="Id">Plugin id (primary key).</param>
/// <param name="Version">Installed version.</param>
/// <param name="Source">Where it was installed from (folder or package path).</param>
/// <param name="InstalledAt">When it was installed.</param>
/// <param name="FilesHash">Hash of the installed files, checked before each start.</param>
/// <param name="Enabled">Whether it may be started.</param>
/// <param name="ManifestJson">The manifest as JSON, if kept.</param>
internal sealed record PluginRecord(
    string Id,
    string Version,
    string Source,
    DateTimeOffset InstalledAt,
    string FilesHash,
    bool Enabled,
    string? ManifestJson);
