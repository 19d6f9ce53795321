using System.Globalization;
using System.Runtime.InteropServices;

namespace Stockade.Linux.Cgroups;

/// <summary>Reads and writes the small text files of a cgroup directory. Reads never throw: a missing or odd file is null.</summary>
internal static class CgroupFile
{
    /// <summary>A number on the first line; <c>max</c> (or a v1 "unlimited" value of 2^63 rounded to pages) is null.</summary>
    public static long? ReadNumber(string path)
    {
        string? text = ReadText(path);
        return text is null ? null : ParseNumber(text);
    }

    /// <summary>Parses one number; <c>max</c> and the v1 unlimited figure are null.</summary>
    public static long? ParseNumber(string text)
    {
        string first = text.Split('\n', 2)[0].Trim();
        if (first == "max" || !long.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
        {
            return null;
        }

        // v1 writes "no limit" as PAGE_COUNTER_MAX pages: 9223372036854771712 on 4 KiB pages.
        return value >= Unlimited ? null : value;
    }

    /// <summary>v1's "no limit": anything from 2^62 up is treated as unlimited.</summary>
    internal const long Unlimited = 1L << 62;

    /// <summary>The value of <paramref name="key"/> in a "key value" per line file (memory.events, cpu.stat, pids.events, memory.oom_control).</summary>
    public static long? ReadKeyed(string path, string key)
    {
        string? text = ReadText(path);
        return text is null ? null : ParseKeyed(text, key);
    }

    /// <summary>Parses one key of a "key value" per line text.</summary>
    public static long? ParseKeyed(string text, string key)
    {
        foreach (string line in text.Split('\n'))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The file's text, or null when it cannot be read.</summary>
    public static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The pids listed in a <c>cgroup.procs</c> or <c>tasks</c> file (empty when unreadable).</summary>
    public static List<int> ReadPids(string path)
    {
        var pids = new List<int>();
        foreach (string line in (ReadText(path) ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out int pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>Writes one value; a failure says which file and why (the kernel's reason, e.g. EINVAL or EBUSY).</summary>
    public static void Write(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"cannot write '{value}' to {path}: {ex.Message}", ex);
        }
    }

    /// <summary>True when this process may create entries in <paramref name="directory"/> (access(W_OK), which honours capabilities).</summary>
    public static bool IsWritable(string directory) => Interop.access(directory, Interop.W_OK) == 0;

    /// <summary>Hands a file to <paramref name="owner"/> (its group too) so that user may write it.</summary>
    public static void Chown(string path, int owner)
    {
        if (Interop.lchown(path, (uint)owner, (uint)owner) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new CgroupException($"cannot hand {path} to uid {owner}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    /// <summary>Removes a cgroup directory, retrying while the kernel still holds exiting tasks in it (EBUSY). False when it remains.</summary>
    public static bool TryRemoveDirectory(string directory, TimeSpan patience)
    {
        long deadline = Environment.TickCount64 + (long)patience.TotalMilliseconds;
        while (true)
        {
            try
            {
                if (!Directory.Exists(directory))
                {
                    return true;
                }

                Directory.Delete(directory, recursive: false);
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (Environment.TickCount64 >= deadline || ex is UnauthorizedAccessException)
                {
                    return false;
                }

                Thread.Sleep(5);
            }
        }
    }
}
