using System.Runtime.InteropServices;

namespace Stockade.Linux.Cgroups;

/// <summary>
/// SIGKILL for the members of one cgroup, never for a process that took a member's pid after it died. A pid read from
/// <c>cgroup.procs</c> can be freed and reused before the kill lands (pid_max is 32768 on some machines, and the host is
/// root: a stray kill would reach anyone's process). Each pid is pinned first with <c>pidfd_open</c>, the cgroup is
/// read again, and only a pid still listed is signalled through its pidfd: a pinned process is the one listed, or it
/// is dead and the signal goes nowhere.
/// </summary>
internal static class CgroupSignal
{
    private const long PidfdOpen = 434; // the same number on every architecture (since Linux 5.3)
    private const long PidfdSendSignal = 424;
    private const int ENOSYS = 38;
    private const int EINVAL = 22;

    /// <summary>
    /// Kills each of <paramref name="pids"/> that <paramref name="members"/>, read after every pid is pinned, still lists.
    /// A thread id that is not a process (pidfd_open refuses it) and a kernel without pidfds fall back to kill(2) on the
    /// pid just read. Returns how many were signalled.
    /// </summary>
    public static int KillMembers(IReadOnlyCollection<int> pids, Func<HashSet<int>> members)
    {
        ArgumentNullException.ThrowIfNull(pids);
        ArgumentNullException.ThrowIfNull(members);
        var pinned = new List<(int Pid, int Fd)>(pids.Count);
        var unpinnable = new List<int>();
        try
        {
            foreach (int pid in pids)
            {
                if (pid <= 0)
                {
                    continue; // kill(0) and kill(-1) would reach a group or everyone
                }

                long fd = Interop.Syscall(PidfdOpen, pid, 0);
                if (fd >= 0)
                {
                    pinned.Add((pid, (int)fd));
                }
                else if (Marshal.GetLastPInvokeError() is ENOSYS or EINVAL)
                {
                    unpinnable.Add(pid);
                }

                // ESRCH: gone already.
            }

            HashSet<int> now = members();
            int signalled = 0;
            foreach ((int pid, int fd) in pinned)
            {
                if (now.Contains(pid) && Interop.Syscall(PidfdSendSignal, fd, Interop.SIGKILL, 0, 0) == 0)
                {
                    signalled++;
                }
            }

            foreach (int pid in unpinnable)
            {
                if (now.Contains(pid) && Interop.kill(pid, Interop.SIGKILL) == 0)
                {
                    signalled++;
                }
            }

            return signalled;
        }
        finally
        {
            foreach ((_, int fd) in pinned)
            {
                _ = Interop.close(fd);
            }
        }
    }
}
