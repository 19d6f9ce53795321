using System.Globalization;

namespace Stockade.Linux.Procfs;

/// <summary>
/// Reads <c>/proc</c> with bare system calls into caller buffers: no managed file objects, no strings.
/// </summary>
/// <remarks>
/// <c>File.OpenHandle</c> costs five system calls per small file (<c>openat</c>, <c>fstat</c>, <c>flock</c>,
/// <c>pread</c>, <c>close</c>) and a directory walk through <c>FileSystemEnumerable</c> adds a <c>stat</c> and an
/// <c>lstat</c> per symbolic link plus an object per entry; here a file is <c>open</c>, <c>read</c>, <c>close</c>, a
/// directory one <c>getdents64</c> per 4 KiB of entries, and a descriptor's kind one <c>readlinkat</c>. A process
/// that exits half-way reads as gone (−1 or <see langword="false"/>), never as an exception.
/// </remarks>
internal static class ProcfsReader
{
    private const int DirentBufferSize = 4096;
    private const int PathBufferSize = 64;

    // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
    private const int DirentReclenOffset = 16;
    private const int DirentNameOffset = 19;

    /// <summary>Reads <c>/proc/&lt;pid&gt;/&lt;name&gt;</c> into <paramref name="buffer"/>.</summary>
    /// <param name="pid">The process.</param>
    /// <param name="name">The file under the process's folder, e.g. <c>"stat"u8</c>; at most 32 bytes.</param>
    /// <param name="buffer">Where the bytes go; a longer file is cut at its length.</param>
    /// <returns>The bytes read, or −1 when the process is gone or the file unreadable.</returns>
    public static int ReadPidFile(int pid, ReadOnlySpan<byte> name, Span<byte> buffer)
    {
        Span<byte> path = stackalloc byte[PathBufferSize];
        return TryFormatPath("/proc/"u8, pid, name, path) ? ReadFile(path, buffer) : -1;
    }

    /// <summary>Reads <c>/proc/self/task/&lt;tid&gt;/&lt;name&gt;</c>, a file of one thread of this process.</summary>
    /// <param name="threadId">The thread, as listed by <see cref="ListOwnThreads"/>.</param>
    /// <param name="name">The file under the thread's folder, e.g. <c>"status"u8</c>; at most 32 bytes.</param>
    /// <param name="buffer">Where the bytes go; a longer file is cut at its length.</param>
    /// <returns>The bytes read, or −1 when the thread has exited or the file is unreadable.</returns>
    public static int ReadOwnThreadFile(int threadId, ReadOnlySpan<byte> name, Span<byte> buffer)
    {
        Span<byte> path = stackalloc byte[PathBufferSize];
        return TryFormatPath("/proc/self/task/"u8, threadId, name, path) ? ReadFile(path, buffer) : -1;
    }

    /// <summary>Whether <c>/proc/self/task/&lt;tid&gt;</c> can still be opened (the thread has not exited).</summary>
    public static bool OwnThreadExists(int threadId)
    {
        Span<byte> path = stackalloc byte[PathBufferSize];
        if (!TryFormatPath("/proc/self/task/"u8, threadId, [], path))
        {
            return false;
        }

        var fd = OpenDirectory(path);
        if (fd < 0)
        {
            return false;
        }

        _ = Interop.close(fd);
        return true;
    }

    /// <summary>Adds the id of every thread of this process (the entries of <c>/proc/self/task</c>) to <paramref name="into"/>.</summary>
    /// <returns><see langword="false"/> when the folder could not be listed (no <c>/proc</c>, or an error mid-way).</returns>
    public static bool ListOwnThreads(List<int> into) => ListNumericEntries("/proc/self/task\0"u8, into);

    /// <summary>Adds the pid of every process in <c>/proc</c> to <paramref name="into"/>.</summary>
    /// <returns><see langword="false"/> when <c>/proc</c> could not be listed (not mounted, or an error mid-way).</returns>
    public static bool ListPids(List<int> into) => ListNumericEntries("/proc\0"u8, into);

    /// <summary>Counts the open descriptors of <paramref name="pid"/> and how many of them are sockets.</summary>
    /// <param name="pid">The process.</param>
    /// <param name="files">Open descriptors.</param>
    /// <param name="sockets">Of those, the ones whose link reads <c>socket:[…]</c>.</param>
    /// <returns><see langword="false"/> when the process is gone or its descriptors are not readable (another user's, without ptrace access).</returns>
    public static unsafe bool CountDescriptors(int pid, out int files, out int sockets)
    {
        files = 0;
        sockets = 0;
        Span<byte> path = stackalloc byte[PathBufferSize];
        if (!TryFormatPath("/proc/"u8, pid, "fd"u8, path))
        {
            return false;
        }

        var fd = OpenDirectory(path);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            var counts = new DescriptorCounts();
            if (!ForEachEntry(fd, counts, static (DescriptorCounts c, int dirFd, ReadOnlySpan<byte> entry) =>
            {
                // Descriptor names are decimal numbers from 0 (stdin) up; "." and ".." are not descriptors.
                if (!IsDecimal(entry))
                {
                    return;
                }

                c.Files++;
                if (IsSocketLink(dirFd, entry))
                {
                    c.Sockets++;
                }
            }))
            {
                return false;
            }

            files = counts.Files;
            sockets = counts.Sockets;
            return true;
        }
        finally
        {
            _ = Interop.close(fd);
        }
    }

    /// <summary>Parses a decimal pid (ASCII digits only, positive, no overflow).</summary>
    internal static bool TryParsePid(ReadOnlySpan<byte> name, out int pid)
    {
        pid = 0;
        if (name.IsEmpty || name.Length > 10)
        {
            return false;
        }

        long value = 0;
        foreach (var c in name)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        if (value is <= 0 or > int.MaxValue)
        {
            return false;
        }

        pid = (int)value;
        return true;
    }

    private static bool IsDecimal(ReadOnlySpan<byte> name) =>
        !name.IsEmpty && name.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;

    // <prefix><id>/<name>\0, or <prefix><id>\0 when name is empty.
    private static bool TryFormatPath(ReadOnlySpan<byte> prefix, int id, ReadOnlySpan<byte> name, Span<byte> path)
    {
        prefix.CopyTo(path);
        var at = prefix.Length;
        if (id <= 0 || !id.TryFormat(path[at..], out var written, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        at += written;
        if (at + 1 + name.Length + 1 > path.Length)
        {
            return false;
        }

        if (!name.IsEmpty)
        {
            path[at++] = (byte)'/';
            name.CopyTo(path[at..]);
            at += name.Length;
        }

        path[at] = 0;
        return true;
    }

    private static unsafe int ReadFile(ReadOnlySpan<byte> nulTerminatedPath, Span<byte> buffer)
    {
        int fd;
        fixed (byte* p = nulTerminatedPath)
        {
            fd = Interop.OpenBytes(p, Interop.O_RDONLY | Interop.O_CLOEXEC, 0);
        }

        if (fd < 0)
        {
            return -1;
        }

        try
        {
            var total = 0;
            fixed (byte* b = buffer)
            {
                while (total < buffer.Length)
                {
                    var read = Interop.ReadBytes(fd, b + total, (nuint)(buffer.Length - total));
                    if (read < 0)
                    {
                        return -1;
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    total += (int)read;
                }
            }

            return total;
        }
        finally
        {
            _ = Interop.close(fd);
        }
    }

    private static bool ListNumericEntries(ReadOnlySpan<byte> nulTerminatedDirectory, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var fd = OpenDirectory(nulTerminatedDirectory);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            return ForEachEntry(fd, into, static (List<int> list, int _, ReadOnlySpan<byte> entry) =>
            {
                if (TryParsePid(entry, out var id))
                {
                    list.Add(id);
                }
            });
        }
        finally
        {
            _ = Interop.close(fd);
        }
    }

    private static unsafe int OpenDirectory(ReadOnlySpan<byte> nulTerminatedPath)
    {
        fixed (byte* p = nulTerminatedPath)
        {
            return Interop.OpenBytes(p, Interop.O_RDONLY | Interop.O_DIRECTORY | Interop.O_CLOEXEC, 0);
        }
    }

    private static unsafe bool IsSocketLink(int dirFd, ReadOnlySpan<byte> entry)
    {
        Span<byte> name = stackalloc byte[16];
        if (entry.Length >= name.Length)
        {
            return false;
        }

        entry.CopyTo(name);
        name[entry.Length] = 0;
        Span<byte> target = stackalloc byte[16];
        nint length;
        fixed (byte* n = name)
        fixed (byte* t = target)
        {
            length = Interop.ReadLinkAtBytes(dirFd, n, t, (nuint)target.Length);
        }

        // A descriptor closed between the listing and the link reads −1: it is no longer a socket.
        return length > 0 && target[..(int)length].StartsWith("socket:"u8);
    }

    private delegate void EntryAction<TState>(TState state, int dirFd, ReadOnlySpan<byte> name);

    private static unsafe bool ForEachEntry<TState>(int fd, TState state, EntryAction<TState> action)
    {
        var buffer = stackalloc byte[DirentBufferSize];
        while (true)
        {
            var read = Interop.getdents64(fd, buffer, DirentBufferSize);
            if (read < 0)
            {
                return false;
            }

            if (read == 0)
            {
                return true;
            }

            var all = new ReadOnlySpan<byte>(buffer, (int)read);
            var offset = 0;
            while (offset + DirentNameOffset < all.Length)
            {
                // d_reclen, little-endian (x86_64), read by hand.
                var length = all[offset + DirentReclenOffset] | (all[offset + DirentReclenOffset + 1] << 8);
                if (length <= DirentNameOffset || offset + length > all.Length)
                {
                    return false;
                }

                var nameField = all.Slice(offset + DirentNameOffset, length - DirentNameOffset);
                var end = nameField.IndexOf((byte)0);
                action(state, fd, end < 0 ? nameField : nameField[..end]);
                offset += length;
            }
        }
    }

    private sealed class DescriptorCounts
    {
        public int Files { get; set; }

        public int Sockets { get; set; }
    }
}
