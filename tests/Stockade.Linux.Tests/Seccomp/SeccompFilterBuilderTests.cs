using Stockade.Linux.Seccomp;
using static Stockade.Linux.Interop;

namespace Stockade.Linux.Tests.Seccomp;

public sealed class SeccompFilterBuilderTests
{
    private static readonly SeccompAction Deny = SeccompAction.Errno(1);

    [Fact]
    public void Build_Always_StartsWithArchAndX32Checks()
    {
        sock_filter[] program = new SeccompFilterBuilder(Deny).Build();

        program.Length.ShouldBe(7);
        program[0].k.ShouldBe(SECCOMP_DATA_ARCH);
        program[1].k.ShouldBe(AUDIT_ARCH_X86_64);
        program[2].k.ShouldBe(SECCOMP_RET_KILL_PROCESS);
        program[4].k.ShouldBe(X32_SYSCALL_BIT);
        program[5].k.ShouldBe(SECCOMP_RET_KILL_PROCESS);
        program[6].k.ShouldBe(Deny.Value);
    }

    [Fact]
    public void Build_WithArgumentChecks_FirstMatchDecidesAndTheSameWordIsLoadedOnce()
    {
        sock_filter[] program = new SeccompFilterBuilder(Deny)
            .AddWithArguments(56, SeccompAction.Allow,
                new SeccompArgumentCheck(0, SeccompArgumentTest.AnyBitSet, 0x10, SeccompAction.Errno(2)),
                new SeccompArgumentCheck(0, SeccompArgumentTest.NoBitSet, 0x20, SeccompAction.Errno(3)),
                new SeccompArgumentCheck(1, SeccompArgumentTest.Equal, 7, SeccompAction.Errno(4)),
                new SeccompArgumentCheck(1, SeccompArgumentTest.NotEqual, 9, SeccompAction.Errno(5)))
            .Build();

        // JEQ, LD a0, JSET, RET, JSET, RET, LD a1, JEQ, RET, JEQ, RET, RET otherwise; then the leaf's default RET.
        program.Length.ShouldBe(6 + 12 + 1);
        Bpf.Run(program, 56, 0x10).ShouldBe(SECCOMP_RET_ERRNO | 2);
        Bpf.Run(program, 56, 0x00).ShouldBe(SECCOMP_RET_ERRNO | 3);
        Bpf.Run(program, 56, 0x20, 7).ShouldBe(SECCOMP_RET_ERRNO | 4);
        Bpf.Run(program, 56, 0x20, 8).ShouldBe(SECCOMP_RET_ERRNO | 5);
        Bpf.Run(program, 56, 0x20, 9).ShouldBe(SECCOMP_RET_ALLOW);
        Bpf.Run(program, 57).ShouldBe(Deny.Value);
    }

    [Fact]
    public void Build_SameSyscallTwice_Throws() =>
        Should.Throw<InvalidOperationException>(() =>
            new SeccompFilterBuilder(Deny).Add(59, SeccompAction.Errno(1)).Add(59, SeccompAction.Allow).Build());

    [Fact]
    public void Errno_OutOfRange_Throws() => Should.Throw<ArgumentOutOfRangeException>(() => SeccompAction.Errno(70000));

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(33)]
    [InlineData(300)]
    public void Build_ManyRules_IsABinarySearchThatFindsEveryRuleAndNothingElse(int count)
    {
        // Every third number, rules with a few checks each, so subtrees outgrow an 8-bit jump and need a JA.
        var builder = new SeccompFilterBuilder(Deny);
        for (var i = count - 1; i >= 0; i--)
        {
            builder.AddWithArguments(i * 3, SeccompAction.Errno(100 + (i % 50)),
                new SeccompArgumentCheck(0, SeccompArgumentTest.Equal, (uint)i, SeccompAction.Allow),
                new SeccompArgumentCheck(1, SeccompArgumentTest.Equal, 1, SeccompAction.Errno(99)));
        }

        sock_filter[] program = builder.Build();
        var visited = new bool[program.Length];
        for (var nr = 0; nr < (count * 3) + 5; nr++)
        {
            if (nr % 3 == 0 && nr / 3 < count)
            {
                Bpf.Run(program, nr, [(ulong)(nr / 3)], visited: visited).ShouldBe(SECCOMP_RET_ALLOW, $"syscall {nr}");
                Bpf.Run(program, nr, [(ulong)(nr / 3) + 1, 1], visited: visited).ShouldBe(SECCOMP_RET_ERRNO | 99);
                Bpf.Run(program, nr, [(ulong)(nr / 3) + 1], visited: visited).ShouldBe(SECCOMP_RET_ERRNO | (uint)(100 + (nr / 3 % 50)));
            }
            else
            {
                Bpf.Run(program, nr, [], visited: visited).ShouldBe(Deny.Value, $"syscall {nr}");
            }
        }

        visited.Skip(SeccompFilterBuilder.PreambleLength).ShouldAllBe(v => v, "every instruction of the tree is reachable");
        program.Length.ShouldBeLessThanOrEqualTo(4096);
        if (count >= 300)
        {
            program.ShouldContain(i => i.code == (BPF_JMP | BPF_JA), "subtrees beyond 255 instructions are reached through a 32-bit JA");
        }
    }

    [Fact]
    public void Build_ManyRules_CostsAboutLog2Comparisons()
    {
        var builder = new SeccompFilterBuilder(Deny);
        for (var i = 0; i < 256; i++)
        {
            builder.Add(i * 2, SeccompAction.Allow);
        }

        sock_filter[] program = builder.Build();
        for (var nr = 0; nr < 520; nr++)
        {
            var visited = new bool[program.Length];
            Bpf.Run(program, nr, [], visited: visited);
            visited.Count(v => v).ShouldBeLessThanOrEqualTo(6 + 8 + 4 + 2, $"syscall {nr}: preamble, 8 levels, a leaf of 4, a RET");
        }
    }
}
