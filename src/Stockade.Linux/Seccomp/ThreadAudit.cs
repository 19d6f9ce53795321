namespace Stockade.Linux.Seccomp;

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
