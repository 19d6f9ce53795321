namespace Stockade.Linux.Seccomp;

/// <summary>A seccomp filter return value (<c>SECCOMP_RET_*</c>).</summary>
internal readonly record struct SeccompAction(uint Value)
{
    internal static SeccompAction Allow => new(Interop.SECCOMP_RET_ALLOW);

    internal static SeccompAction KillProcess => new(Interop.SECCOMP_RET_KILL_PROCESS);

    /// <summary>Suspends the call and asks the process holding the filter's listener (the host) to answer it.</summary>
    internal static SeccompAction UserNotif => new(Interop.SECCOMP_RET_USER_NOTIF);

    /// <summary>Fails the call with <paramref name="errno"/> without running it.</summary>
    internal static SeccompAction Errno(int errno)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(errno);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)errno, Interop.SECCOMP_RET_DATA);
        return new(Interop.SECCOMP_RET_ERRNO | (uint)errno);
    }

    public override string ToString() => Value switch
    {
        Interop.SECCOMP_RET_ALLOW => "ALLOW",
        Interop.SECCOMP_RET_KILL_PROCESS => "KILL_PROCESS",
        Interop.SECCOMP_RET_USER_NOTIF => "USER_NOTIF",
        _ when (Value & ~Interop.SECCOMP_RET_DATA) == Interop.SECCOMP_RET_ERRNO => $"ERRNO({Value & Interop.SECCOMP_RET_DATA})",
        _ => $"0x{Value:x8}",
    };
}
