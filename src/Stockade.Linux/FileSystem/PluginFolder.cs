using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using static Stockade.Linux.Interop;

namespace Stockade.Linux.FileSystem;

/// <summary>
/// A plugin folder opened as hostile: walked once through directory descriptors (<c>fstatat(AT_SYMLINK_NOFOLLOW)</c>,
/// <c>openat(O_NOFOLLOW)</c>), accepting only regular files with one link and folders, within
/// <see cref="PluginFolderLimits"/>. Files are then read through the same root descriptor, opened with
/// <c>O_NOFOLLOW | O_NONBLOCK</c> and checked with <c>fstat</c> after opening (still a regular file, the one that
/// was walked, no larger than it was): a file swapped after the walk is refused, never followed, and nothing blocks.
/// </summary>
/// <remarks>
/// Folders named <c>obj</c> are neither walked nor read (build output, which neither the signature nor the copy
/// covers). The root path is the operator's own and is resolved normally; nothing below it is followed.
/// </remarks>
internal sealed unsafe class PluginFolder : IDisposable
{
    /// <summary>The folder name skipped at any depth.</summary>
    internal const string SkippedFolderName = "obj";

    private const int FileFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    private readonly SafeFdHandle _root;
    private readonly Dictionary<string, PluginFile> _byPath;
    private readonly long _deadline;

    private PluginFolder(string path, SafeFdHandle root, PluginFolderLimits limits)
    {
        Root = path;
        _root = root;
        Limits = limits;
        _deadline = Stopwatch.GetTimestamp() + (long)(limits.Timeout.TotalSeconds * Stopwatch.Frequency);
        _byPath = new Dictionary<string, PluginFile>(StringComparer.Ordinal);
    }

    /// <summary>The full path the folder was opened at.</summary>
    public string Root { get; }

    /// <summary>The limits it was checked against.</summary>
    public PluginFolderLimits Limits { get; }

    /// <summary>Every regular file, ordered by ordinal relative path (with <c>/</c>).</summary>
    public IReadOnlyList<PluginFile> Files { get; private set; } = [];

    /// <summary>Every folder (relative, with <c>/</c>), parents before children.</summary>
    public IReadOnlyList<string> Directories { get; private set; } = [];

    /// <summary>The sum of the files' apparent sizes.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Opens and walks <paramref name="path"/>.</summary>
    /// <exception cref="PluginFolderRefusedException">An entry is not accepted, a limit is passed, or the time ran out.</exception>
    /// <exception cref="DirectoryNotFoundException">There is no folder at <paramref name="path"/>.</exception>
    public static PluginFolder Open(string path, PluginFolderLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        limits ??= PluginFolderLimits.Default;
        var problems = limits.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(limits));
        }

        var full = Path.GetFullPath(path);
        var root = Interop.open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK, 0);
        if (root.IsInvalid)
        {
            var errno = LastErrno;
            root.Dispose();
            throw errno is ENOENT or ENOTDIR
                ? new DirectoryNotFoundException($"no folder at {full}")
                : new Win32Exception(errno, $"cannot open the folder {full} (errno {errno})");
        }

        var folder = new PluginFolder(full, root, limits);
        try
        {
            folder.Walk();
            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="relativePath"/> is one of the walked files.</summary>
    public bool Contains(string relativePath) => _byPath.ContainsKey(relativePath);

    /// <summary>Reads a walked file whole, through descriptors, checking it is still the file that was walked.</summary>
    /// <exception cref="FileNotFoundException">It was not among the walked files.</exception>
    /// <exception cref="PluginFolderRefusedException">It changed since the walk (another type, another file, larger), or the time ran out.</exception>
    public byte[] ReadAllBytes(string relativePath)
    {
        ThrowIfLate(relativePath);
        if (!_byPath.TryGetValue(relativePath, out var expected))
        {
            throw new FileNotFoundException($"'{Sanitize(relativePath)}' is not a file of the plugin folder", relativePath);
        }

        var fd = OpenFile(relativePath);
        try
        {
            stat st;
            Interop.Check(fstat(fd, &st), "fstat");
            if ((st.st_mode & S_IFMT) != S_IFREG || st.st_nlink != 1 || st.st_dev != expected.Device || st.st_ino != expected.Inode)
            {
                throw Changed(relativePath);
            }

            if (st.st_size > expected.Size)
            {
                throw Changed(relativePath);
            }

            var bytes = new byte[st.st_size];
            var done = 0L;
            fixed (byte* b = bytes)
            {
                byte extra;
                while (true)
                {
                    var read = done < bytes.Length ? ReadBytes(fd, b + done, (nuint)(bytes.Length - done)) : ReadBytes(fd, &extra, 1);
                    if (read < 0)
                    {
                        if (LastErrno == EINTR)
                        {
                            continue;
                        }

                        throw new IOException($"'{Sanitize(relativePath)}' could not be read (errno {LastErrno})");
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    if (done == bytes.Length)
                    {
                        throw Changed(relativePath); // it grew while it was read
                    }

                    done += read;
                }
            }

            return done == bytes.Length ? bytes : throw Changed(relativePath);
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>Throws when <see cref="PluginFolderLimits.Timeout"/> has passed since the folder was opened.</summary>
    /// <exception cref="PluginFolderRefusedException">The time ran out.</exception>
    public void ThrowIfLate(string where = ".")
    {
        if (Stopwatch.GetTimestamp() > _deadline)
        {
            throw new PluginFolderRefusedException(Sanitize(where), $"was reached after the time limit ({Limits.Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s) for reading the plugin folder ran out",
                "make the folder smaller, or raise the time limit (PluginFolderLimits.Timeout)", timedOut: true);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _root.Dispose();

    /// <summary>A name or path with control characters, escape sequences and bidirectional overrides made visible, safe to print.</summary>
    internal static string Sanitize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C' || char.IsSurrogate(c) || c == '\uFFFD')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static PluginFolderRefusedException Changed(string relative) =>
        new(Sanitize(relative), "changed while it was being read (another file, another type, or larger)", "leave the folder alone while it is installed, validated or signed, then try again");

    private int OpenFile(string relative)
    {
        var parts = relative.Split('/');
        var dir = _root.Fd;
        var owned = -1;
        try
        {
            for (var i = 0; i < parts.Length; i++)
            {
                var last = i == parts.Length - 1;
                var name = SafeTree.Nul(parts[i]);
                int fd;
                fixed (byte* n = name)
                {
                    stat st;
                    if (fstatat(dir, n, &st, AT_SYMLINK_NOFOLLOW) != 0 || (st.st_mode & S_IFMT) != (last ? S_IFREG : S_IFDIR))
                    {
                        throw Changed(relative); // checked first, so a device or FIFO put there since the walk is never opened
                    }

                    fd = last ? SafeTree.openat(dir, n, FileFlags) : SafeTree.openat(dir, n, SafeTree.DirectoryFlags);
                }

                if (fd < 0)
                {
                    throw Changed(relative);
                }

                if (owned >= 0)
                {
                    _ = close(owned);
                }

                if (last)
                {
                    owned = -1;
                    return fd;
                }

                owned = fd;
                dir = fd;
            }

            throw Changed(relative);
        }
        finally
        {
            if (owned >= 0)
            {
                _ = close(owned);
            }
        }
    }

    private void Walk()
    {
        stat rootStat;
        Interop.Check(fstat(_root.Fd, &rootStat), "fstat");
        var rootDevice = rootStat.st_dev;
        var files = new List<PluginFile>();
        var directories = new List<string>();
        var entries = 0;
        long total = 0;
        WalkDirectory(_root.Fd, "", 0);
        files.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        Files = files;
        Directories = directories;
        TotalBytes = total;
        foreach (var file in files)
        {
            _byPath[file.RelativePath] = file;
        }

        void WalkDirectory(int fd, string prefix, int depth)
        {
            var names = SafeTree.ReadNames(fd, Limits.MaxEntries - entries + 1);

            // In name order, so the entry named in a refusal (the one past a total) is the same on every run.
            names.Sort(static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
            foreach (var (raw, _) in names)
            {
                var name = DecodeName(raw, prefix);
                var relative = prefix + name;
                ThrowIfLate(relative);
                if (++entries > Limits.MaxEntries)
                {
                    throw new PluginFolderRefusedException(".", $"holds more than {Limits.MaxEntries} files and folders", "ship fewer files (or raise PluginFolderLimits.MaxEntries)");
                }

                stat st;
                fixed (byte* n = raw)
                {
                    if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) != 0)
                    {
                        throw Changed(relative);
                    }
                }

                switch (st.st_mode & S_IFMT)
                {
                    case S_IFREG:
                        if (st.st_nlink > 1)
                        {
                            throw Refuse(relative, $"is a hard link ({st.st_nlink} names for one file)", "replace it with a copy of the file (cp --no-preserve=links) and try again");
                        }

                        if (st.st_size > Limits.MaxFileBytes)
                        {
                            throw Refuse(relative, $"is {Size(st.st_size)}, over the limit of {Size(Limits.MaxFileBytes)} per file", "remove it or make it smaller (or raise PluginFolderLimits.MaxFileBytes)");
                        }

                        total += st.st_size;
                        if (total > Limits.MaxTotalBytes)
                        {
                            throw Refuse(relative, $"takes the folder past the limit of {Size(Limits.MaxTotalBytes)} in all", "ship less (or raise PluginFolderLimits.MaxTotalBytes)");
                        }

                        files.Add(new PluginFile(relative, st.st_size, st.st_dev, st.st_ino, st.st_mode & 0xFFF));
                        break;

                    case S_IFDIR:
                        if (st.st_dev != rootDevice)
                        {
                            throw Refuse(relative, "is a mount point (another file system)", "copy the plugin into one plain folder and try again");
                        }

                        if (name == SkippedFolderName)
                        {
                            continue; // build output: neither signed nor copied, so never read
                        }

                        if (depth + 1 >= SafeTree.MaxOpenDepth)
                        {
                            throw Refuse(relative, $"is nested more than {SafeTree.MaxOpenDepth} folders deep", "flatten the folder structure");
                        }

                        int child;
                        fixed (byte* n = raw)
                        {
                            child = SafeTree.openat(fd, n, SafeTree.DirectoryFlags);
                        }

                        if (child < 0)
                        {
                            throw Changed(relative);
                        }

                        directories.Add(relative);
                        try
                        {
                            WalkDirectory(child, relative + "/", depth + 1);
                        }
                        finally
                        {
                            _ = close(child);
                        }

                        break;

                    default:
                        throw Refuse(relative, $"is {Kind(st.st_mode)}", Advice(st.st_mode));
                }
            }
        }
    }

    private static string DecodeName(byte[] raw, string prefix)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw, 0, raw.Length - 1);
        }
        catch (DecoderFallbackException)
        {
            var shown = Encoding.UTF8.GetString(raw, 0, raw.Length - 1);
            throw Refuse(prefix + shown, "has a name that is not valid UTF-8", "rename it with plain UTF-8 characters");
        }
    }

    private static PluginFolderRefusedException Refuse(string relative, string problem, string nextStep) =>
        new(Sanitize(relative), problem, "a plugin folder may hold only regular files and folders: " + nextStep);

    private static string Kind(uint mode) => (mode & S_IFMT) switch
    {
        S_IFLNK => "a symbolic link",
        S_IFCHR => "a character device",
        S_IFBLK => "a block device",
        S_IFIFO => "a FIFO (named pipe)",
        S_IFSOCK => "a socket",
        _ => "not a regular file or folder",
    };

    private static string Advice(uint mode) => (mode & S_IFMT) == S_IFLNK
        ? "replace the link with a copy of what it points to, or remove it"
        : "remove it and try again";

    private static string Size(long bytes) => bytes >= 1024 * 1024
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
}

/// <summary>A regular file found by <see cref="PluginFolder"/>.</summary>
/// <param name="RelativePath">Relative to the folder, with <c>/</c>.</param>
/// <param name="Size">Its apparent size when walked.</param>
/// <param name="Device">Its device, to check it is the same file when read.</param>
/// <param name="Inode">Its inode, to check it is the same file when read.</param>
/// <param name="Mode">Its permission bits when walked.</param>
internal readonly record struct PluginFile(string RelativePath, long Size, ulong Device, ulong Inode, uint Mode);
