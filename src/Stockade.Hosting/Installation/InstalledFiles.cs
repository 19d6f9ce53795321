using System.Security.Cryptography;
using Stockade.Analysis.Signing;
using Stockade.Linux.FileSystem;

namespace Stockade.Hosting.Installation;

/// <summary>Copies a plugin folder into the home and makes the copy read-only (files 0444, folders 0555).</summary>
internal static class InstalledFiles
{
    private const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ReadOnlyDirectory = ReadOnlyFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode WritableDirectory = ReadOnlyDirectory | UnixFileMode.UserWrite;
    private const UnixFileMode ReadOnlyExecutable = ReadOnlyDirectory;

    /// <summary>
    /// Copies a walked plugin folder (every regular file and folder, <c>obj/</c> excepted by the walk) from its
    /// descriptors: the bytes written are the bytes read and checked, whatever the source path holds by now.
    /// Files are created new (<c>O_EXCL</c>, so nothing is written through a link) with mode 0600 until
    /// <see cref="MakeReadOnly"/>; no mode bit of the source is carried over (no setuid, setgid or execute bit).
    /// </summary>
    /// <returns>The fingerprint of what was copied (<see cref="DirectoryHash"/>).</returns>
    /// <exception cref="PluginFolderRefusedException">A file changed while it was read, or the time limit ran out.</exception>
    public static string Copy(PluginFolder source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var directory in source.Directories)
        {
            Directory.CreateDirectory(Path.Combine(target, directory));
        }

        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in source.Files)
        {
            source.ThrowIfLate(file.RelativePath);
            var bytes = source.ReadAllBytes(file.RelativePath);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(Path.Combine(target, file.RelativePath), options))
            {
                stream.Write(bytes);
            }

            if (file.RelativePath != SignatureDocument.FileName)
            {
                hashes[file.RelativePath] = Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
        }

        return DirectoryHash.Compute(hashes);
    }

    /// <summary>The fingerprint of an installed copy, read as hostile (a link or device planted in it is refused); null when it is refused.</summary>
    public static string? Hash(string root, PluginFolderLimits limits)
    {
        try
        {
            using var folder = PluginFolder.Open(root, limits);
            return DirectoryHash.Compute(CanonicalFileList.Compute(folder));
        }
        catch (PluginFolderRefusedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Makes every file 0444 and every folder 0555, deepest first; <paramref name="executable"/> (a native plugin's
    /// entry, relative to <paramref name="root"/>) 0555, the one file the launcher executes itself. No other file of the
    /// copy is ever executable, whatever its source's mode was.
    /// </summary>
    public static void MakeReadOnly(string root, string? executable = null)
    {
        var entry = executable is null ? null : Path.GetFullPath(Path.Combine(root, executable));
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            SetMode(file, entry is not null && string.Equals(Path.GetFullPath(file), entry, StringComparison.Ordinal) ? ReadOnlyExecutable : ReadOnlyFile);
        }

        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
        {
            SetMode(dir, ReadOnlyDirectory);
        }

        SetMode(root, ReadOnlyDirectory);
    }

    /// <summary>Deletes a copy made read-only by <see cref="MakeReadOnly"/> (through descriptors, folders made writable as it goes); a missing folder is fine.</summary>
    public static void Delete(string root) => SafeTree.Remove(root);

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
