namespace Stockade.Linux.Launch;

/// <summary>
/// The worker seccomp filter, installed by the launcher itself right before <c>execve</c> (after Landlock), for
/// targets that cannot install it themselves: executable plugins. The filter is the .NET worker's (no ptrace,
/// namespaces, mount, bpf, io_uring, IP sockets...), and without <see cref="AllowExec"/> it also denies fork,
/// vfork, execveat and every <c>execve</c> but the launcher's own.
/// </summary>
public sealed class LaunchSeccomp
{
    /// <summary>Let the target start processes (exec, fork); namespaces stay forbidden either way. Default <see langword="false"/>.</summary>
    public bool AllowExec { get; set; }
}
