namespace Stockade.Hosting.Installation;

/// <summary>Copies a plugin folder into the home and makes the copy read-only (files 0444, folders 0555).</summary>
internal static class InstalledFiles
{
    private const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ReadOnlyDirectory = ReadOnlyFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode WritableDirectory = ReadOnlyDirectory | UnixFileMode.UserWrite;

    /// <summary>Copies every file except <c>obj/</c> folders (which neither the signature nor the files hash covers); symbolic links are refused.</summary>
    public static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                throw new IOException($"'{entry.FullName}' is a symbolic link; a plugin folder must hold plain files only — replace the link with the file it points to");
            }

            var destination = Path.Combine(target, entry.Name);
            if (entry is DirectoryInfo directory)
            {
                if (directory.Name != "obj")
                {
                    Copy(directory.FullName, destination);
                }
            }
            else
            {
                File.Copy(entry.FullName, destination);
            }
        }
    }

    /// <summary>Makes every file 0444 and every folder 0555, deepest first.</summary>
    public static void MakeReadOnly(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            SetMode(file, ReadOnlyFile);
        }

        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
        {
            SetMode(dir, ReadOnlyDirectory);
        }

        SetMode(root, ReadOnlyDirectory);
    }

    /// <summary>Deletes a copy made read-only by <see cref="MakeReadOnly"/>; a missing folder is fine.</summary>
    public static void Delete(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        SetMode(root, WritableDirectory);
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
        {
            SetMode(dir, WritableDirectory);
        }

        Directory.Delete(root, recursive: true);
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
