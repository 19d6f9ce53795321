using System.ComponentModel;

namespace Stockade.Linux.Seccomp;

/// <summary>Installs a seccomp-bpf program on every thread of the process.</summary>
internal static class SeccompFilter
{
    /// <summary>
    /// Installs <paramref name="program"/> with <c>SECCOMP_FILTER_FLAG_TSYNC</c>, so every existing thread gets it
    /// (and every later thread inherits it). Needs no_new_privs (or CAP_SYS_ADMIN).
    /// </summary>
    /// <exception cref="Win32Exception">The kernel refused the filter, or a thread could not be synchronised.</exception>
    internal static unsafe void InstallOnAllThreads(Interop.sock_filter[] program)
    {
        ArgumentOutOfRangeException.ThrowIfZero(program.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(program.Length, 4096);
        fixed (Interop.sock_filter* filter = program)
        {
            var prog = new Interop.sock_fprog { len = (ushort)program.Length, filter = filter };
            long result = Interop.seccomp(Interop.SECCOMP_SET_MODE_FILTER, Interop.SECCOMP_FILTER_FLAG_TSYNC, &prog);

            // With TSYNC a positive result is the id of a thread that could not be synchronised.
            if (result > 0)
            {
                throw new Win32Exception($"seccomp(TSYNC) failed: thread {result} could not take the filter; nothing was installed.");
            }

            Interop.Check(result, "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)");
        }
    }

    /// <summary>
    /// Installs <paramref name="program"/> on every thread like <see cref="InstallOnAllThreads"/> and returns the
    /// filter's user-notification listener (close-on-exec): whoever holds it answers the calls the program sends to
    /// <c>SECCOMP_RET_USER_NOTIF</c>. TSYNC_ESRCH lets TSYNC and NEW_LISTENER combine (a failed thread sync is ESRCH,
    /// since the return value is the listener).
    /// </summary>
    /// <exception cref="Win32Exception">The kernel refused the filter or the listener (e.g. EBUSY: an earlier filter has one).</exception>
    internal static unsafe SafeFdHandle InstallOnAllThreadsWithListener(Interop.sock_filter[] program)
    {
        ArgumentOutOfRangeException.ThrowIfZero(program.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(program.Length, 4096);
        fixed (Interop.sock_filter* filter = program)
        {
            var prog = new Interop.sock_fprog { len = (ushort)program.Length, filter = filter };
            long result = Interop.seccomp(Interop.SECCOMP_SET_MODE_FILTER,
                Interop.SECCOMP_FILTER_FLAG_TSYNC | Interop.SECCOMP_FILTER_FLAG_TSYNC_ESRCH | Interop.SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
            Interop.Check(result, "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC | TSYNC_ESRCH | NEW_LISTENER)");
            return new SafeFdHandle((int)result, ownsHandle: true);
        }
    }
}
