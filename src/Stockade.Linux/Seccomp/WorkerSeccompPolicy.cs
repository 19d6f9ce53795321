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
    internal static Interop.sock_filter[] Build(bool allowExec)
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
                builder.Add(nr, deny);
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
