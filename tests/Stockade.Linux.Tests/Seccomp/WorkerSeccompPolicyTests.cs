using Stockade.Linux.Seccomp;
using static Stockade.Linux.Interop;
using Nr = Stockade.Linux.Interop.SyscallNumbers;

namespace Stockade.Linux.Tests.Seccomp;

/// <summary>
/// What the worker's filter decides, syscall by syscall: the programs are run through a classic-BPF interpreter over
/// <c>struct seccomp_data</c>, so any change to how the program is assembled that loosens (or tightens) a decision fails
/// here, whatever the instructions look like. The kernel's own verdicts are checked in SeccompProbeTests.
/// </summary>
public sealed class WorkerSeccompPolicyTests
{
    private const uint Eperm = SECCOMP_RET_ERRNO | 1;
    private const uint Enosys = SECCOMP_RET_ERRNO | 38;
    private const ulong CloneThread = 0x00010000, CloneVm = 0x00000100, Sigchld = 17;

    private static readonly int[] AlwaysDenied =
    [
        Nr.ptrace, Nr.process_vm_readv, Nr.process_vm_writev, Nr.bpf, Nr.perf_event_open, Nr.userfaultfd, Nr.io_uring_setup, Nr.io_uring_enter,
        Nr.io_uring_register, Nr.unshare, Nr.setns, Nr.mount, Nr.umount2, Nr.pivot_root, Nr.chroot, Nr.keyctl, Nr.add_key, Nr.request_key, Nr.init_module,
        Nr.finit_module, Nr.delete_module, Nr.kexec_load, Nr.kexec_file_load, Nr.open_by_handle_at,
    ];

    private static readonly uint[] CloneNewFlags = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Build_ForeignArchitectureOrX32_KillsTheProcess(bool allowExec)
    {
        var program = WorkerSeccompPolicy.Build(allowExec);

        Run(program, 0, arch: 0x40000003 /* i386 */).ShouldBe(SECCOMP_RET_KILL_PROCESS);
        Run(program, (int)X32_SYSCALL_BIT | 0).ShouldBe(SECCOMP_RET_KILL_PROCESS);
        Run(program, (int)X32_SYSCALL_BIT | Nr.execve).ShouldBe(SECCOMP_RET_KILL_PROCESS);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Build_EscapeSyscalls_AreDeniedWithEpermEitherWay(bool allowExec)
    {
        var program = WorkerSeccompPolicy.Build(allowExec);

        foreach (var nr in AlwaysDenied)
        {
            Run(program, nr).ShouldBe(Eperm, $"syscall {nr}");
        }

        Run(program, Nr.clone3).ShouldBe(Enosys, "clone3 reads its flags from memory the filter cannot see");
        Run(program, Nr.socket, AF_INET).ShouldBe(Eperm);
        Run(program, Nr.socket, 10 /* AF_INET6 */).ShouldBe(Eperm);
        Run(program, Nr.socket, 16 /* AF_NETLINK */).ShouldBe(Eperm);
        Run(program, Nr.socket, AF_UNIX).ShouldBe(SECCOMP_RET_ALLOW);
        foreach (var flag in CloneNewFlags)
        {
            Run(program, Nr.clone, CloneThread | CloneVm | flag).ShouldBe(Eperm, $"clone with 0x{flag:x8}");
        }

        Run(program, Nr.clone, CloneThread | CloneVm).ShouldBe(SECCOMP_RET_ALLOW, "threads are always allowed");
    }

    [Fact]
    public void Build_WithoutExec_DeniesEveryWayToStartAProcess()
    {
        var program = WorkerSeccompPolicy.Build(allowExec: false);

        Run(program, Nr.execve).ShouldBe(Eperm);
        Run(program, Nr.execveat).ShouldBe(Eperm);
        Run(program, Nr.fork).ShouldBe(Eperm);
        Run(program, Nr.vfork).ShouldBe(Eperm);
        Run(program, Nr.clone, Sigchld).ShouldBe(Eperm, "clone without CLONE_THREAD is a fork");
    }

    [Fact]
    public void Build_WithExec_AllowsProcessesButNotNamespaces()
    {
        var program = WorkerSeccompPolicy.Build(allowExec: true);

        Run(program, Nr.execve).ShouldBe(SECCOMP_RET_ALLOW);
        Run(program, Nr.execveat).ShouldBe(SECCOMP_RET_ALLOW);
        Run(program, Nr.fork).ShouldBe(SECCOMP_RET_ALLOW);
        Run(program, Nr.vfork).ShouldBe(SECCOMP_RET_ALLOW);
        Run(program, Nr.clone, Sigchld).ShouldBe(SECCOMP_RET_ALLOW);
        Run(program, Nr.clone, Sigchld | 0x10000000 /* CLONE_NEWUSER */).ShouldBe(Eperm);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Build_EverythingElse_IsAllowed(bool allowExec)
    {
        var program = WorkerSeccompPolicy.Build(allowExec);
        var listed = new HashSet<int>(AlwaysDenied) { Nr.clone, Nr.clone3, Nr.socket, Nr.execve, Nr.execveat, Nr.fork, Nr.vfork };

        for (var nr = 0; nr < 512; nr++)
        {
            if (!listed.Contains(nr))
            {
                Run(program, nr).ShouldBe(SECCOMP_RET_ALLOW, $"syscall {nr}");
            }
        }
    }

    [Fact]
    public void BuildForLauncherExec_WithoutExec_AllowsOnlyTheExecOfTheLaunchersOwnBuffer()
    {
        const ulong address = 0x0000_7ffd_1234_5678;
        var program = WorkerSeccompPolicy.BuildForLauncherExec(allowExec: false, address);

        Run(program, Nr.execve, address).ShouldBe(SECCOMP_RET_ALLOW);
        Run(program, Nr.execve, address + 8).ShouldBe(Eperm, "another low half");
        Run(program, Nr.execve, address + 0x1_0000_0000).ShouldBe(Eperm, "another high half");
        Run(program, Nr.execveat, address).ShouldBe(Eperm);
        Run(program, Nr.fork).ShouldBe(Eperm);
        Run(program, Nr.clone, Sigchld).ShouldBe(Eperm);
    }

    [Fact]
    public void Run_UnknownInstruction_FailsTheTest() =>
        Should.Throw<InvalidOperationException>(() => Run([new sock_filter { code = 0x07 /* BPF_MISC */ }], 0));

    /// <summary>Classic BPF as seccomp runs it, limited to the instructions a seccomp program may use here.</summary>
    private static uint Run(sock_filter[] program, int nr, ulong arg0 = 0, uint arch = AUDIT_ARCH_X86_64)
    {
        // struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
        var data = new byte[64];
        BitConverter.TryWriteBytes(data.AsSpan(0), nr).ShouldBeTrue();
        BitConverter.TryWriteBytes(data.AsSpan(4), arch).ShouldBeTrue();
        BitConverter.TryWriteBytes(data.AsSpan(16), arg0).ShouldBeTrue();
        uint accumulator = 0;
        for (var pc = 0; pc < program.Length; pc++)
        {
            var instruction = program[pc];
            switch (instruction.code)
            {
                case BPF_LD | BPF_W | BPF_ABS:
                    accumulator = BitConverter.ToUInt32(data, (int)instruction.k);
                    break;
                case BPF_RET | BPF_K:
                    return instruction.k;
                case BPF_JMP | BPF_JEQ | BPF_K:
                    pc += accumulator == instruction.k ? instruction.jt : instruction.jf;
                    break;
                case BPF_JMP | BPF_JGE | BPF_K:
                    pc += accumulator >= instruction.k ? instruction.jt : instruction.jf;
                    break;
                case BPF_JMP | BPF_JSET | BPF_K:
                    pc += (accumulator & instruction.k) != 0 ? instruction.jt : instruction.jf;
                    break;
                default:
                    throw new InvalidOperationException($"instruction {pc} has code 0x{instruction.code:x4}, which this filter should not use");
            }
        }

        throw new InvalidOperationException("the program ran off its end without a RET (the kernel rejects such a program)");
    }
}
