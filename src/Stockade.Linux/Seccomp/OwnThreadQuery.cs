using System.Globalization;

namespace Stockade.Linux.Seccomp;

/// <summary>
/// A scheduling call about one of the caller's own threads. The filter lets the <c>sched_*</c> calls name only the caller
/// (pid 0 or its own pid), but glibc names a thread by its tid: every .NET thread that reads its stack bounds
/// (<c>pthread_getattr_np</c>) asks <c>sched_getaffinity</c>, <c>sched_getparam</c> and <c>sched_getscheduler</c> about
/// itself, and the runtime then sets that thread's scheduler, which the filter cannot tell from the same call on another
/// process. Those reach the host as notifications; a tid that is one of the caller's threads (in the caller's own pid
/// namespace, so strict's private one too) is let through — the same calls the filter allows the caller on itself, under
/// the kernel's own checks (a real-time class needs a capability the worker has not) — and anything else stays denied
/// and recorded. The decision reads only the call's first register argument. A thread that exits between the check and
/// the call frees its tid, which another process may take; the kernel's permission checks on that process still apply.
/// </summary>
internal static class OwnThreadQuery
{
    /// <summary>Whether <paramref name="call"/> is a scheduling call about a thread of the calling process.</summary>
    public static bool Is(SeccompNotification call)
    {
        if (call.Syscall is not (Interop.SyscallTable.sched_getaffinity or Interop.SyscallTable.sched_setaffinity
            or Interop.SyscallTable.sched_getparam or Interop.SyscallTable.sched_setparam
            or Interop.SyscallTable.sched_getscheduler or Interop.SyscallTable.sched_setscheduler
            or Interop.SyscallTable.sched_getattr or Interop.SyscallTable.sched_setattr
            or Interop.SyscallTable.sched_rr_get_interval))
        {
            return false;
        }

        var target = (long)call.Arg0;
        return target > 0 && target <= int.MaxValue && IsThreadOf(call.Pid, (int)target);
    }

    // Each task of the caller's thread group, by the innermost number of its NSpid line: the tid as the caller sees it.
    private static bool IsThreadOf(int callerTid, int tid)
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories(string.Create(CultureInfo.InvariantCulture, $"/proc/{callerTid}/task")))
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (!line.StartsWith("NSpid:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var fields = line.AsSpan(6).Trim();
                    var last = fields.LastIndexOfAny(' ', '\t');
                    if (int.TryParse(last < 0 ? fields : fields[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var inner) && inner == tid)
                    {
                        return true;
                    }

                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The caller is gone or not ours to read: not a question about its own thread.
        }

        return false;
    }
}
