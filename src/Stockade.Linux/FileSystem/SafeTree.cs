using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using static Stockade.Linux.Interop;

namespace Stockade.Linux.FileSystem;

/// <summary>
/// Removes and measures folders that a plugin can write to, without ever following a path the plugin can change.
/// Every step goes through a directory descriptor: <c>openat</c> with <c>O_NOFOLLOW | O_DIRECTORY</c>,
/// <c>fstatat(AT_SYMLINK_NOFOLLOW)</c>, <c>getdents64</c>, <c>unlinkat</c>. A symbolic link is unlinked or
/// counted, never followed; a folder on another device (a mount point) is not entered. A folder swapped for a
/// link between two steps is caught by <c>O_NOFOLLOW</c> (ELOOP) and the link is unlinked instead.
/// </summary>
/// <remarks>
/// The descriptors held at one time are bounded: below <see cref="MaxOpenDepth"/> folders, a removal moves the
/// deeper folder up to the top (<c>renameat</c> between two descriptors, which follows nothing) and empties it
/// from there; a measure reports the tree as too deep.
/// </remarks>
internal static unsafe class SafeTree
{
    /// <summary>Folders held open at once, at most, by one removal or measure.</summary>
    internal const int MaxOpenDepth = 48;

    /// <summary>Flags for every folder opened below a root: a link or a non-folder fails, nothing blocks.</summary>
    internal const int DirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;

    private const int SeekSet = 0;
    private const int DentsBufferSize = 32 * 1024;

    // A writer racing the removal can add entries as fast as they are removed; give up after this many
    // listings of one folder that still found entries (the removal then reports what is left).
    private const int MaxPasses = 64;
    private static long s_asideSequence;

    /// <summary>
    /// Removes <paramref name="path"/> (a folder with everything under it, a file or a link) without following any
    /// link at or below it. The folders above it are the host's own and are resolved normally.
    /// </summary>
    /// <returns><see langword="true"/> when nothing is left (also when nothing was there); <see langword="false"/> when something could not be removed (a mount point, a busy or immutable entry).</returns>
    /// <exception cref="Win32Exception">The parent folder cannot be opened or listed for a reason other than its absence.</exception>
    public static bool Remove(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path).TrimEnd('/');
        var parent = Path.GetDirectoryName(full);
        var name = Path.GetFileName(full);
        if (string.IsNullOrEmpty(parent) || string.IsNullOrEmpty(name) || name is "." or "..")
        {
            throw new ArgumentException($"'{path}' names no removable entry", nameof(path));
        }

        using var parentFd = Interop.open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (parentFd.IsInvalid)
        {
            return LastErrno == ENOENT ? true : throw new Win32Exception(LastErrno, $"open({parent}) failed (errno {LastErrno})");
        }

        return RemoveAt(parentFd.Fd, Nul(name));
    }

    /// <summary>Removes the entry <paramref name="name"/> (NUL-terminated) of the folder <paramref name="parentFd"/>, as <see cref="Remove"/>.</summary>
    internal static bool RemoveAt(int parentFd, byte[] name)
    {
        fixed (byte* n = name)
        {
            for (var attempt = 0; attempt < MaxPasses; attempt++)
            {
                if (unlinkat(parentFd, n, 0) == 0)
                {
                    return true;
                }

                var errno = LastErrno;
                if (errno == ENOENT)
                {
                    return true;
                }

                if (errno != EISDIR)
                {
                    return false;
                }

                var fd = openat(parentFd, n, DirectoryFlags);
                if (fd < 0)
                {
                    errno = LastErrno;
                    if (errno is ELOOP or ENOTDIR)
                    {
                        continue; // swapped for a link or a file since the unlink: unlink that instead
                    }

                    return errno == ENOENT;
                }

                stat st;
                bool emptied;
                try
                {
                    Interop.Check(fstat(fd, &st), "fstat");
                    var state = new RemoveState(fd, st.st_dev);
                    do
                    {
                        state.Moved = false;
                        EmptyDirectory(fd, 0, state);
                    }
                    while (state.Moved && ++state.Rounds < MaxPasses);
                    emptied = !state.Failed;
                }
                finally
                {
                    _ = close(fd);
                }

                if (unlinkat(parentFd, n, AT_REMOVEDIR) == 0 || LastErrno == ENOENT)
                {
                    return true;
                }

                if (!emptied || LastErrno != ENOTEMPTY)
                {
                    return false;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Sums the space taken by the entries under <paramref name="path"/> without following links or crossing
    /// devices, stopping at <paramref name="maxEntries"/> entries or after <paramref name="budget"/>.
    /// A file counts its apparent size or its allocated blocks, whichever is larger (a sparse file cannot hide
    /// its size; a file grown with <c>fallocate(KEEP_SIZE)</c> cannot hide its blocks); folders, links and
    /// other entries count their blocks.
    /// </summary>
    /// <returns>The usage, or <see langword="null"/> when <paramref name="path"/> does not exist.</returns>
    public static TreeUsage? Measure(string path, long maxEntries, TimeSpan budget)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        using var root = Interop.open(path, DirectoryFlags, 0);
        if (root.IsInvalid)
        {
            return null;
        }

        stat st;
        if (fstat(root.Fd, &st) != 0)
        {
            return null;
        }

        var walk = new MeasureState(st.st_dev, maxEntries, budget);
        walk.Bytes = st.st_blocks * 512;
        MeasureDirectory(root.Fd, 0, walk);
        return new TreeUsage(walk.Bytes, walk.Entries, walk.TooMany, walk.TooDeep, walk.OutOfTime);
    }

    /// <summary>
    /// Gives <paramref name="path"/> (a folder) and everything under it to <paramref name="uid"/>:<paramref name="gid"/>
    /// through directory descriptors: a symbolic link is re-owned itself (never its target), a file with more than one hard
    /// link keeps its owner (it may be someone else's file linked in), a folder swapped for a link between
    /// two steps fails to open and is skipped, another device is not entered, and no more than
    /// <see cref="MaxOpenDepth"/> folders deep is walked. False when the root cannot be opened as a folder.
    /// </summary>
    public static bool ChangeOwner(string path, int uid, int gid)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var root = Interop.open(path, DirectoryFlags, 0);
        stat st;
        if (root.IsInvalid || fstat(root.Fd, &st) != 0)
        {
            return false;
        }

        _ = fchown(root.Fd, (uint)uid, (uint)gid);
        ChangeOwnerBelow(root.Fd, st.st_dev, (uint)uid, (uint)gid, 1);
        return true;
    }

    private static void ChangeOwnerBelow(int fd, ulong device, uint uid, uint gid, int depth)
    {
        foreach (var (name, type) in ReadNames(fd, long.MaxValue))
        {
            fixed (byte* n = name)
            {
                // A file with another link may be someone else's file hard-linked in (by a worker that once ran as root
                // or without Landlock): re-owning it would hand that file to this uid. Such entries keep their owner.
                stat entry;
                if (fstatat(fd, n, &entry, AT_SYMLINK_NOFOLLOW) != 0
                    || ((entry.st_mode & S_IFMT) != S_IFDIR && entry.st_nlink > 1))
                {
                    continue;
                }

                _ = fchownat(fd, n, uid, gid, AT_SYMLINK_NOFOLLOW);
                if (type != 4 /* DT_DIR */ || depth >= MaxOpenDepth)
                {
                    continue;
                }

                var child = openat(fd, n, DirectoryFlags);
                if (child < 0)
                {
                    continue; // gone, or swapped for a link or a file meanwhile: nothing to follow
                }

                stat st;
                if (fstat(child, &st) == 0 && st.st_dev == device)
                {
                    ChangeOwnerBelow(child, device, uid, gid, depth + 1);
                }

                _ = close(child);
            }
        }
    }

    /// <summary>The names in a folder (without <c>.</c> and <c>..</c>), NUL-terminated, at most <paramref name="limit"/> of them, read from the start.</summary>
    internal static List<(byte[] Name, byte Type)> ReadNames(int dirFd, long limit)
    {
        var names = new List<(byte[], byte)>();
        if (lseek(dirFd, 0, SeekSet) < 0)
        {
            throw new Win32Exception(LastErrno, $"lseek on a folder failed (errno {LastErrno})");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(DentsBufferSize);
        try
        {
            fixed (byte* b = buffer)
            {
                while (names.Count < limit)
                {
                    var read = getdents64(dirFd, b, DentsBufferSize);
                    if (read < 0)
                    {
                        throw new Win32Exception(LastErrno, $"getdents64 failed (errno {LastErrno})");
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    for (var offset = 0; offset < read && names.Count < limit;)
                    {
                        var record = b + offset;
                        var length = *(ushort*)(record + 16);
                        var type = record[18];
                        var name = new ReadOnlySpan<byte>(record + 19, length - 19);
                        name = name[..name.IndexOf((byte)0)];
                        offset += length;
                        if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                        {
                            continue;
                        }

                        var copy = new byte[name.Length + 1];
                        name.CopyTo(copy);
                        names.Add((copy, type));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return names;
    }

    /// <summary>A name as the NUL-terminated UTF-8 the kernel takes.</summary>
    internal static byte[] Nul(string name)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(name) + 1];
        Encoding.UTF8.GetBytes(name, bytes);
        return bytes;
    }

    internal static int openat(int dirFd, byte* name, int flags) => OpenAtBytes(dirFd, name, flags, 0);

    private static void EmptyDirectory(int fd, int depth, RemoveState state)
    {
        // A plugin may leave a folder read-only; this descriptor is the real folder, so changing its mode follows nothing.
        _ = fchmod(fd, 0x1C0); // 0700
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var names = ReadNames(fd, 4096);
            if (names.Count == 0)
            {
                return;
            }

            var progress = false;
            foreach (var (name, _) in names)
            {
                progress |= RemoveEntry(fd, name, depth, state);
            }

            if (!progress)
            {
                state.Failed = true;
                return;
            }
        }

        state.Failed = true;
    }

    private static bool RemoveEntry(int fd, byte[] name, int depth, RemoveState state)
    {
        fixed (byte* n = name)
        {
            if (unlinkat(fd, n, 0) == 0 || LastErrno == ENOENT)
            {
                return true;
            }

            if (LastErrno != EISDIR)
            {
                return false;
            }

            var child = openat(fd, n, DirectoryFlags);
            if (child < 0)
            {
                // ELOOP / ENOTDIR: swapped for a link or file since the unlink; the next listing unlinks it.
                return LastErrno is ENOENT or ELOOP or ENOTDIR;
            }

            try
            {
                stat st;
                if (fstat(child, &st) != 0 || st.st_dev != state.Device)
                {
                    return false; // a mount point: not crossed, and left in place
                }

                if (depth + 1 >= MaxOpenDepth)
                {
                    // Too deep to hold every folder open: move it up to the top and empty it from there.
                    var aside = Nul($".stockade-aside-{Environment.ProcessId}-{Interlocked.Increment(ref s_asideSequence)}");
                    fixed (byte* a = aside)
                    {
                        if (renameat(fd, n, state.RootFd, a) != 0)
                        {
                            return false;
                        }
                    }

                    state.Moved = true;
                    return true;
                }

                EmptyDirectory(child, depth + 1, state);
            }
            finally
            {
                _ = close(child);
            }

            return unlinkat(fd, n, AT_REMOVEDIR) == 0 || LastErrno is ENOENT or ENOTEMPTY;
        }
    }

    private static void MeasureDirectory(int fd, int depth, MeasureState walk)
    {
        var names = ReadNames(fd, walk.MaxEntries - walk.Entries + 1);
        foreach (var (name, _) in names)
        {
            if (walk.Stopped)
            {
                return;
            }

            if (++walk.Entries > walk.MaxEntries)
            {
                walk.TooMany = true;
                return;
            }

            if ((walk.Entries & 255) == 0 && Stopwatch.GetElapsedTime(walk.Started) > walk.Budget)
            {
                walk.OutOfTime = true;
                return;
            }

            stat st;
            fixed (byte* n = name)
            {
                if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) != 0)
                {
                    continue; // removed while listed
                }

                var kind = st.st_mode & S_IFMT;
                var blocks = st.st_blocks * 512;
                walk.Bytes += kind == S_IFREG ? Math.Max(st.st_size, blocks) : blocks;
                if (kind != S_IFDIR || st.st_dev != walk.Device)
                {
                    continue;
                }

                if (depth + 1 >= MaxOpenDepth)
                {
                    walk.TooDeep = true;
                    continue;
                }

                var child = openat(fd, n, DirectoryFlags);
                if (child < 0)
                {
                    continue; // swapped for a link since the fstatat: not followed
                }

                try
                {
                    MeasureDirectory(child, depth + 1, walk);
                }
                finally
                {
                    _ = close(child);
                }
            }
        }
    }

    private sealed class RemoveState(int rootFd, ulong device)
    {
        public int RootFd { get; } = rootFd;

        public ulong Device { get; } = device;

        public bool Moved { get; set; }

        public bool Failed { get; set; }

        public int Rounds { get; set; }
    }

    private sealed class MeasureState(ulong device, long maxEntries, TimeSpan budget)
    {
        public ulong Device { get; } = device;

        public long MaxEntries { get; } = maxEntries;

        public TimeSpan Budget { get; } = budget;

        public long Started { get; } = Stopwatch.GetTimestamp();

        public long Bytes { get; set; }

        public long Entries { get; set; }

        public bool TooMany { get; set; }

        public bool TooDeep { get; set; }

        public bool OutOfTime { get; set; }

        public bool Stopped => TooMany || OutOfTime;
    }
}

/// <summary>What <see cref="SafeTree.Measure"/> counted.</summary>
/// <param name="Bytes">The space counted.</param>
/// <param name="Entries">The entries counted.</param>
/// <param name="TooMany">The entry cap was reached: the tree holds more than it, and <paramref name="Bytes"/> is a lower bound.</param>
/// <param name="TooDeep">Folders nested deeper than <see cref="SafeTree.MaxOpenDepth"/> were not entered.</param>
/// <param name="OutOfTime">The time budget ran out: <paramref name="Bytes"/> is a lower bound.</param>
internal readonly record struct TreeUsage(long Bytes, long Entries, bool TooMany, bool TooDeep, bool OutOfTime);
