namespace Stockade.Linux.Seccomp;

/// <summary>
/// poll(2) over a set of descriptors plus an eventfd to wake the waiter, for the host's one observer thread (a handful
/// of descriptors per worker: poll's array is rebuilt when the set changes, which is rare next to the waits).
/// </summary>
internal static class DescriptorWait
{
    /// <summary>Waits until one of <paramref name="fds"/>[0..<paramref name="count"/>) is ready; EINTR is 0 ready.</summary>
    internal static unsafe int Poll(Interop.pollfd[] fds, int count, int timeoutMilliseconds)
    {
        fixed (Interop.pollfd* first = fds)
        {
            int ready = Interop.poll(first, (nuint)count, timeoutMilliseconds);
            return ready < 0 && Interop.LastErrno == Interop.EINTR ? 0 : Interop.Check(ready, "poll");
        }
    }

    /// <summary>A non-blocking, close-on-exec eventfd used to wake the waiter.</summary>
    internal static SafeFdHandle NewWakeup()
    {
        int fd = Interop.Check(Interop.eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK), "eventfd");
        return new SafeFdHandle(fd, ownsHandle: true);
    }

    /// <summary>Wakes the waiter.</summary>
    internal static unsafe void Wake(SafeFdHandle wakeup)
    {
        ulong one = 1;
        _ = Interop.write(wakeup.Fd, &one, sizeof(ulong));
    }

    /// <summary>Consumes the wake-ups.</summary>
    internal static unsafe void Drain(SafeFdHandle wakeup)
    {
        ulong value;
        _ = Interop.read(wakeup.Fd, &value, sizeof(ulong));
    }

    /// <summary>Closes a descriptor this process received (a listener, an extra SCM_RIGHTS descriptor).</summary>
    internal static void Close(int fd) => Interop.close(fd);

    /// <summary>Clears close-on-exec on <paramref name="fd"/> so the next child inherits it.</summary>
    internal static void KeepAcrossExec(int fd) => Interop.KeepAcrossExec(fd);
}
