namespace Stockade.Linux.Seccomp;

/// <summary>The seccomp mode of one thread, as <c>/proc/self/task/&lt;tid&gt;/status</c> reports it.</summary>
internal sealed record ThreadSeccompState(int ThreadId, string Name, int SeccompMode);

/// <summary>The result of <see cref="ThreadAudit.AllThreadsInSeccompFilterMode"/>.</summary>
internal sealed record ThreadAuditResult(bool AllInFilterMode, IReadOnlyList<ThreadSeccompState> Threads, string? Error)
{
    /// <summary>Threads not in filter mode (2); unconfined threads a plugin could use.</summary>
    internal IEnumerable<ThreadSeccompState> Unconfined => Threads.Where(t => t.SeccompMode != 2);
}

/// <summary>Verifies that every thread of this process is confined by a seccomp filter.</summary>
internal static class ThreadAudit
{
    private const int FilterMode = 2;

    /// <summary>Reads every <c>/proc/self/task/*/status</c>; a thread that cannot be read counts as unconfined.</summary>
    internal static ThreadAuditResult AllThreadsInSeccompFilterMode() => Audit("/proc/self/task");

    internal static ThreadAuditResult Audit(string taskDirectory)
    {
        var threads = new List<ThreadSeccompState>();
        string[] entries;
        try
        {
            entries = Directory.GetDirectories(taskDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ThreadAuditResult(false, threads, $"cannot list {taskDirectory}: {ex.Message}; grant read access to /proc/<pid>.");
        }

        foreach (string entry in entries)
        {
            if (!int.TryParse(Path.GetFileName(entry), out int tid))
            {
                continue;
            }

            threads.Add(ReadThread(entry, tid));
        }

        return new ThreadAuditResult(threads.Count > 0 && threads.TrueForAll(t => t.SeccompMode == FilterMode), threads, null);
    }

    private static ThreadSeccompState ReadThread(string entry, int tid)
    {
        string name = "?";
        int mode = -1;
        try
        {
            foreach (string line in File.ReadLines(Path.Combine(entry, "status")))
            {
                if (line.StartsWith("Name:", StringComparison.Ordinal))
                {
                    name = line[5..].Trim();
                }
                else if (line.StartsWith("Seccomp:", StringComparison.Ordinal) && int.TryParse(line[8..].Trim(), out int parsed))
                {
                    mode = parsed;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A thread that exited between listing and reading is gone, not unconfined.
            if (!Directory.Exists(entry))
            {
                return new ThreadSeccompState(tid, "(exited)", FilterMode);
            }
        }

        return new ThreadSeccompState(tid, name, mode);
    }
}
