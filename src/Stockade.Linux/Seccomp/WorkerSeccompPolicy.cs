using static Stockade.Linux.Interop.SyscallNumbers;

namespace Stockade.Linux.Seccomp;

/// <summary>The seccomp policy of a worker (stage 2): allow by default, deny what escapes or widens the sandbox.</summary>
internal static class WorkerSeccompPolicy
{
    private const int EPERM = 1;
    private const int ENOSYS = 38;

    /// <summary>Every <c>CLONE_NEW*</c> flag that <c>clone(2)</c> accepts (CLONE_NEWTIME shares its bit with the exit signal there).</summary>
    internal const uint CloneNewFlags =
        0x00020000 /* NEWNS */ | 0x02000000 /* NEWCGROUP */ | 0x04000000 /* NEWUTS */ | 0x08000000 /* NEWIPC */ |
        0x10000000 /* NEWUSER */ | 0x20000000 /* NEWPID */ | 0x40000000 /* NEWNET */;

    internal const uint CloneThread = 0x00010000;

    private static readonly int[] AlwaysDenied =
    [
        ptrace, process_vm_readv, process_vm_writev, bpf, perf_event_open, userfaultfd,
        io_uring_setup, io_uring_enter, io_uring_register, unshare, setns, mount, umount2, pivot_root, chroot,
        keyctl, add_key, request_key, init_module, finit_module, delete_module, kexec_load, kexec_file_load,
        open_by_handle_at,
    ];

    private static readonly int[] ProcessCreation = [execve, execveat, fork, vfork];

    /// <summary>
    /// Builds the worker filter. With <paramref name="allowExec"/> the plugin may start processes
    /// (exec, fork, vfork and clone without CLONE_THREAD are allowed so <c>Process.Start</c> works);
    /// namespaces stay forbidden either way.
    /// </summary>
    internal static Interop.sock_filter[] Build(bool allowExec) => Build(allowExec, launcherExecFilename: null);

    /// <summary>
    /// The worker filter as the launcher installs it just before it execs an executable plugin: like
    /// <see cref="Build(bool)"/>, except that without <paramref name="allowExec"/> one <c>execve</c> stays
    /// allowed, the one whose filename argument is exactly <paramref name="filenameAddress"/> (the launcher's
    /// own buffer). execveat is denied: its path is relative to a descriptor the filter cannot see.
    /// </summary>
    /// <remarks>
    /// The pointer is not a secret and, after the exec, the target could map memory at the same address and
    /// name another file there. That re-opens only what Landlock already allows: the launcher's rules grant
    /// Execute on the target and its ELF interpreter alone, so the most it can do is replace itself with
    /// the same confined program (fork stays denied, so never alongside itself). seccomp cannot read the
    /// string behind the pointer (that would race against other threads anyway), and a user-notification
    /// supervisor would be a second process to keep alive for one syscall.
    /// </remarks>
    internal static Interop.sock_filter[] BuildForLauncherExec(bool allowExec, ulong filenameAddress) =>
        Build(allowExec, allowExec ? null : filenameAddress);

    private static Interop.sock_filter[] Build(bool allowExec, ulong? launcherExecFilename)
    {
        var deny = SeccompAction.Errno(EPERM);
        var builder = new SeccompFilterBuilder(SeccompAction.Allow);
        foreach (int nr in AlwaysDenied)
        {
            builder.Add(nr, deny);
        }

        if (!allowExec)
        {
            foreach (int nr in ProcessCreation)
            {
                if (nr == execve && launcherExecFilename is { } address)
                {
                    builder.AddWithArguments(execve, SeccompAction.Allow,
                        new SeccompArgumentCheck(0, SeccompArgumentTest.NotEqual, (uint)address, deny),
                        new SeccompArgumentCheck(0, SeccompArgumentTest.NotEqual, (uint)(address >> 32), deny, UpperHalf: true));
                }
                else
                {
                    builder.Add(nr, deny);
                }
            }
        }

        var cloneChecks = new List<SeccompArgumentCheck> { new(0, SeccompArgumentTest.AnyBitSet, CloneNewFlags, deny) };
        if (!allowExec)
        {
            cloneChecks.Add(new(0, SeccompArgumentTest.NoBitSet, CloneThread, deny));
        }

        return builder
            .AddWithArguments(clone, SeccompAction.Allow, [.. cloneChecks])
            .Add(clone3, SeccompAction.Errno(ENOSYS))
            .AddWithArguments(socket, SeccompAction.Allow, new SeccompArgumentCheck(0, SeccompArgumentTest.NotEqual, Interop.AF_UNIX, deny))
            .Build();
    }
}
