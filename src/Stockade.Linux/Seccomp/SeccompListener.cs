namespace Stockade.Linux.Seccomp;

/// <summary>One system call a worker's filter suspended and sent to the host (numbers only: worker memory is never read).</summary>
internal readonly record struct SeccompNotification(ulong Id, int Pid, int Syscall, uint Arch, ulong Arg0, ulong Arg1, ulong Arg2);

/// <summary>
/// The host's side of a worker's seccomp user notification: receive a suspended call, check it is still pending, answer
/// it with an errno. The descriptor came from the worker's filter (<c>SECCOMP_FILTER_FLAG_NEW_LISTENER</c>).
/// </summary>
internal static class SeccompListener
{
    /// <summary>
    /// Receives one notification. False when there is none to take (another answer raced, or the call was interrupted
    /// and withdrawn: ENOENT) or the listener is dead; <paramref name="errno"/> says which.
    /// </summary>
    internal static unsafe bool TryReceive(int listener, out SeccompNotification notification, out int errno)
    {
        var raw = default(Interop.seccomp_notif); // must be zeroed: the kernel refuses a dirty buffer (EINVAL)
        if (Interop.ioctl(listener, Interop.SECCOMP_IOCTL_NOTIF_RECV, &raw) != 0)
        {
            errno = Interop.LastErrno;
            notification = default;
            return false;
        }

        errno = 0;
        notification = new SeccompNotification(raw.id, (int)raw.pid, raw.data.nr, raw.data.arch, raw.data.args[0], raw.data.args[1], raw.data.args[2]);
        return true;
    }

    /// <summary>True while the call <paramref name="id"/> is still suspended (its thread was not killed or interrupted).</summary>
    internal static unsafe bool IsPending(int listener, ulong id) =>
        Interop.ioctl(listener, Interop.SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;

    /// <summary>Fails the suspended call <paramref name="id"/> with <paramref name="errno"/>; false when it is gone.</summary>
    internal static unsafe bool Deny(int listener, ulong id, int errno)
    {
        var response = new Interop.seccomp_notif_resp { id = id, error = -errno };
        return Interop.ioctl(listener, Interop.SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
    }

    /// <summary>
    /// Lets the suspended call <paramref name="id"/> run as it was made; false when it is gone. Only for a decision made on
    /// the call's register arguments (which the kernel captured), never on memory the worker could change meanwhile.
    /// </summary>
    internal static unsafe bool Continue(int listener, ulong id)
    {
        var response = new Interop.seccomp_notif_resp { id = id, flags = Interop.SECCOMP_USER_NOTIF_FLAG_CONTINUE };
        return Interop.ioctl(listener, Interop.SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
    }

    /// <summary>The kernel name of a syscall number (asm/unistd_64.h), or "syscall_N" for one this table does not name.</summary>
    internal static string NameOf(int nr) => SyscallNames.Of(nr);
}
