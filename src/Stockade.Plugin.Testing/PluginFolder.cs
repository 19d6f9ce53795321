namespace Stockade.Plugin.Testing;

internal static class PluginFolder
{
    /// <summary>The plugin folder of <paramref name="path"/>: the folder itself, or the folder of a manifest file.</summary>
    public static string Of(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return full;
        }

        if (File.Exists(full) && Path.GetDirectoryName(full) is { } folder)
        {
            return folder;
        }

        throw new DirectoryNotFoundException($"no plugin folder or manifest at '{full}'; give the folder that holds plugin.yaml (or the manifest file)");
    }
}
