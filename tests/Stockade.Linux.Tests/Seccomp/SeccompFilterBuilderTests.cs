using Stockade.Linux.Seccomp;
using static Stockade.Linux.Interop;

namespace Stockade.Linux.Tests.Seccomp;

public sealed class SeccompFilterBuilderTests
{
    [Fact]
    public void Build_Always_StartsWithArchAndX32Checks()
    {
        sock_filter[] program = new SeccompFilterBuilder(SeccompAction.Allow).Build();

        program.Length.ShouldBe(7);
        program[0].k.ShouldBe(SECCOMP_DATA_ARCH);
        program[1].k.ShouldBe(AUDIT_ARCH_X86_64);
        program[2].k.ShouldBe(SECCOMP_RET_KILL_PROCESS);
        program[4].k.ShouldBe(X32_SYSCALL_BIT);
        program[5].k.ShouldBe(SECCOMP_RET_KILL_PROCESS);
        program[6].k.ShouldBe(SECCOMP_RET_ALLOW);
    }

    [Fact]
    public void Build_WithArgumentChecks_JumpsPastTheWholeBlock()
    {
        sock_filter[] program = new SeccompFilterBuilder(SeccompAction.Allow)
            .AddWithArguments(56, SeccompAction.Allow,
                new SeccompArgumentCheck(0, SeccompArgumentTest.AnyBitSet, 0x10, SeccompAction.Errno(1)),
                new SeccompArgumentCheck(0, SeccompArgumentTest.NoBitSet, 0x20, SeccompAction.Errno(2)))
            .Build();

        // JEQ nr at 6 skips 7 instructions (2 checks × 3 + the block's own RET) to the default RET at 14.
        program[6].k.ShouldBe(56u);
        program[6].jf.ShouldBe((byte)7);
        program[8].code.ShouldBe((ushort)(BPF_JMP | BPF_JSET | BPF_K));
        program[9].k.ShouldBe(SECCOMP_RET_ERRNO | 1);
        program[12].k.ShouldBe(SECCOMP_RET_ERRNO | 2);
        program.Length.ShouldBe(15);
    }

    [Fact]
    public void Add_SameSyscallTwice_Throws() =>
        Should.Throw<InvalidOperationException>(() =>
            new SeccompFilterBuilder(SeccompAction.Allow).Add(59, SeccompAction.Errno(1)).Add(59, SeccompAction.Allow));

    [Fact]
    public void Errno_OutOfRange_Throws() => Should.Throw<ArgumentOutOfRangeException>(() => SeccompAction.Errno(70000));

    [Fact]
    public void WorkerPolicy_WithoutExec_DeniesExecAndForkButAllowsExecWhenGranted()
    {
        sock_filter[] strict = WorkerSeccompPolicy.Build(allowExec: false);
        sock_filter[] exec = WorkerSeccompPolicy.Build(allowExec: true);

        SyscallsMatched(strict).ShouldContain((uint)SyscallNumbers.execve);
        SyscallsMatched(strict).ShouldContain((uint)SyscallNumbers.vfork);
        SyscallsMatched(exec).ShouldNotContain((uint)SyscallNumbers.execve);
        SyscallsMatched(exec).ShouldContain((uint)SyscallNumbers.ptrace);
        strict.Length.ShouldBeLessThan(256);
    }

    private static IEnumerable<uint> SyscallsMatched(sock_filter[] program) =>
        program.Skip(6).Where(i => i.code == (BPF_JMP | BPF_JEQ | BPF_K) && i.jt == 0 && i.jf >= 1 && i.k < 1000).Select(i => i.k);
}
