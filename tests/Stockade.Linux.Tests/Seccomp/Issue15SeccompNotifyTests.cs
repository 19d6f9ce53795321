using System.Runtime.CompilerServices;
using Stockade.Linux.Seccomp;

namespace Stockade.Linux.Tests.Seccomp;

/// <summary>Issue 15: the user-notification form of the worker filter and the kernel structs it is read with.</summary>
[Trait("Issue", "15")]
public sealed class Issue15SeccompNotifyTests
{
    [Fact]
    public void Structs_HaveTheKernelsSizes()
    {
        // linux/seccomp.h: struct seccomp_data 64, seccomp_notif 80, seccomp_notif_resp 24 (SECCOMP_GET_NOTIF_SIZES agrees
        // on this kernel); struct msghdr 56 on x86_64.
        Unsafe.SizeOf<Interop.seccomp_data>().ShouldBe(64);
        Unsafe.SizeOf<Interop.seccomp_notif>().ShouldBe(80);
        Unsafe.SizeOf<Interop.seccomp_notif_resp>().ShouldBe(24);
        Unsafe.SizeOf<Interop.msghdr>().ShouldBe(56);
        Unsafe.SizeOf<Interop.pollfd>().ShouldBe(8);
    }

    [Theory]
    [InlineData(SeccompProfile.Dotnet)]
    [InlineData(SeccompProfile.Python)]
    [InlineData(SeccompProfile.Node)]
    [InlineData(SeccompProfile.Native)]
    public void Build_NotifyingDenials_SendsEveryEpermToTheHostAndKeepsTheRest(SeccompProfile profile)
    {
        var plain = WorkerSeccompPolicy.Build(profile, allowExec: false, Environment.ProcessId, launcherExecFilename: null);
        var notified = WorkerSeccompPolicy.Build(profile, allowExec: false, Environment.ProcessId, launcherExecFilename: null, notifyDenials: true);

        const uint Ret = Interop.BPF_RET | Interop.BPF_K;
        var eperm = Interop.SECCOMP_RET_ERRNO | 1;
        notified.Length.ShouldBe(plain.Length);
        for (int i = 0; i < plain.Length; i++)
        {
            if (plain[i].code == Ret && plain[i].k == eperm)
            {
                notified[i].k.ShouldBe(Interop.SECCOMP_RET_USER_NOTIF, $"instruction {i}");
            }
            else
            {
                notified[i].ShouldBe(plain[i], $"instruction {i}: only EPERM returns may change");
            }
        }

        notified.ShouldContain(f => f.code == Ret && f.k == (Interop.SECCOMP_RET_ERRNO | 38), "clone3/openat2 keep their ENOSYS in the kernel");
        notified.ShouldContain(f => f.code == Ret && f.k == Interop.SECCOMP_RET_KILL_PROCESS, "a foreign arch still kills");
        notified.ShouldNotContain(f => f.code == Ret && f.k == eperm);
    }

    [Fact]
    public void SyscallNames_MatchTheTable()
    {
        foreach (var field in typeof(Interop.SyscallTable).GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic))
        {
            if (field.Name != nameof(Interop.SyscallTable.Count))
            {
                SyscallNames.Of((int)field.GetRawConstantValue()!).ShouldBe(field.Name);
            }
        }

        SyscallNames.Of(100_000).ShouldBe("syscall_100000");
        SyscallNames.Of(-1).ShouldBe("syscall_-1");
    }
}
