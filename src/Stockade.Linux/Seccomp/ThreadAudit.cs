using System.Text;
using Stockade.Linux.Procfs;

namespace Stockade.Linux.Seccomp;

/// <summary>Verifies that every thread of this process is confined by a seccomp filter.</summary>
/// <remarks>
/// Runs on the worker's start path, so it reads <c>/proc/self/task</c> with bare system calls
/// (<see cref="ProcfsReader"/>: one <c>getdents64</c> for the listing, then <c>open</c>, <c>read</c>, <c>close</c> per
/// thread into a stack buffer) rather than through <c>Directory</c>, <c>File.ReadLines</c> and a UTF-8 decoder, whose
/// first use cost more than the reading (docs/performance.md, session 11).
/// </remarks>
internal static class ThreadAudit
{
    private const int FilterMode = 2;

    // /proc/<pid>/task/<tid>/status is about 1.5 KiB; a status cut before its Seccomp line reads as unconfined.
    private const int StatusBufferSize = 8192;

    /// <summary>
    /// Reads every <c>/proc/self/task/*/status</c>; a thread that cannot be read, or whose status has no
    /// <c>Seccomp:</c> line, counts as unconfined (a thread that exited meanwhile does not count).
    /// </summary>
    internal static ThreadAuditResult AllThreadsInSeccompFilterMode()
    {
        var threadIds = new List<int>();
        if (!ProcfsReader.ListOwnThreads(threadIds))
        {
            return new ThreadAuditResult(false, [], "cannot list /proc/self/task; grant read access to /proc/<pid>.");
        }

        var threads = new List<ThreadSeccompState>(threadIds.Count);
        var allInFilterMode = threadIds.Count > 0;
        Span<byte> status = stackalloc byte[StatusBufferSize];
        foreach (int threadId in threadIds)
        {
            int length = ProcfsReader.ReadOwnThreadFile(threadId, "status"u8, status);
            ThreadSeccompState state = length >= 0
                ? ParseStatus(threadId, status[..length])
                : ProcfsReader.OwnThreadExists(threadId)
                    ? new ThreadSeccompState(threadId, "?", -1)
                    : new ThreadSeccompState(threadId, "(exited)", FilterMode);
            allInFilterMode &= state.SeccompMode == FilterMode;
            threads.Add(state);
        }

        return new ThreadAuditResult(allInFilterMode, threads, null);
    }

    /// <summary>
    /// The <c>Name:</c> and <c>Seccomp:</c> lines of a status file; the mode is −1 when the line is missing or is not
    /// a whole decimal number.
    /// </summary>
    internal static ThreadSeccompState ParseStatus(int threadId, ReadOnlySpan<byte> status)
    {
        string name = "?";
        int mode = -1;
        while (!status.IsEmpty)
        {
            int end = status.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? status : status[..end];
            status = end < 0 ? [] : status[(end + 1)..];
            if (line.StartsWith("Name:"u8))
            {
                name = NameText(TrimBlanks(line[5..]));
            }
            else if (line.StartsWith("Seccomp:"u8))
            {
                mode = ParseMode(TrimBlanks(line[8..]));
            }
        }

        return new ThreadSeccompState(threadId, name, mode);
    }

    // Thread names are for messages only. The first Encoding.UTF8.GetString of the process cost about 4 ms here, so an
    // ASCII name (every runtime thread's) is widened by hand; anything else still goes through the decoder.
    private static string NameText(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
        {
            if (b >= 0x80)
            {
                return Encoding.UTF8.GetString(name);
            }
        }

        var chars = new char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }

        return new string(chars);
    }

    // The modes are 0, 1 and 2: one to three decimal digits, nothing else (no sign, no spaces inside).
    private static int ParseMode(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 3)
        {
            return -1;
        }

        var value = 0;
        foreach (byte digit in digits)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return -1;
            }

            value = (value * 10) + (digit - '0');
        }

        return value;
    }

    private static ReadOnlySpan<byte> TrimBlanks(ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty && text[0] is (byte)' ' or (byte)'\t')
        {
            text = text[1..];
        }

        while (!text.IsEmpty && text[^1] is (byte)' ' or (byte)'\t')
        {
            text = text[..^1];
        }

        return text;
    }
}
