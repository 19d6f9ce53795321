namespace Stockade.Hosting.Installation;

/// <summary>A plugin installed in a home (<see cref="PluginInstaller.ListInstalled"/>).</summary>
/// <param name="Id">The plugin id.</param>
/// <param name="Version">The installed version.</param>
/// <param name="Enabled">Whether it may be started (<see cref="PluginInstaller.SetEnabled"/>).</param>
/// <param name="InstalledAt">When this version was installed.</param>
/// <param name="Source">The folder it was installed from.</param>
/// <param name="FilesHash">The hash of the installed files, checked before every start.</param>
public sealed record InstalledPlugin(string Id, string Version, bool Enabled, DateTimeOffset InstalledAt, string Source, string FilesHash);
