using Stockade.Linux.Seccomp;
using static Stockade.Linux.Interop;
using Nr = Stockade.Linux.Interop.SyscallTable;

namespace Stockade.Linux.Tests.Seccomp;

/// <summary>
/// What each profile's filter decides, syscall by syscall: the programs are run through a classic-BPF interpreter over
/// <c>struct seccomp_data</c>, so any change to how the program is assembled that loosens (or tightens) a decision fails
/// here, whatever the instructions look like. The kernel's own verdicts are checked in SeccompProbeTests and
/// LauncherSeccompTests.
/// </summary>
public sealed class WorkerSeccompPolicyTests
{
    private const uint Allow = SECCOMP_RET_ALLOW;
    private const uint Eperm = SECCOMP_RET_ERRNO | 1;
    private const uint Enosys = SECCOMP_RET_ERRNO | 38;
    private const int Self = 4242, Parent = 4000;
    private const ulong CloneThread = 0x00010000, CloneVm = 0x00000100, Sigchld = 17;

    /// <summary>What the red team used, or what reaches beyond the process: EPERM in every profile, exec granted or not.</summary>
    private static readonly int[] NeverAllowed =
    [
        Nr.socket, Nr.connect, Nr.bind, Nr.listen, Nr.accept, Nr.accept4,
        Nr.shmget, Nr.shmat, Nr.shmctl, Nr.shmdt, Nr.semget, Nr.semop, Nr.semctl, Nr.semtimedop, Nr.msgget, Nr.msgsnd, Nr.msgrcv, Nr.msgctl,
        Nr.mq_open, Nr.mq_unlink, Nr.mq_timedsend, Nr.mq_timedreceive, Nr.mq_notify, Nr.mq_getsetattr,
        Nr.keyctl, Nr.add_key, Nr.request_key, Nr.fanotify_init, Nr.fanotify_mark, Nr.inotify_init, Nr.inotify_init1, Nr.inotify_add_watch,
        Nr.setuid, Nr.setgid, Nr.setreuid, Nr.setregid, Nr.setresuid, Nr.setresgid, Nr.setgroups, Nr.setfsuid, Nr.setfsgid, Nr.capset,
        Nr.mknod, Nr.mknodat, Nr.chown, Nr.fchown, Nr.lchown, Nr.fchownat,
        Nr.ptrace, Nr.process_vm_readv, Nr.process_vm_writev, Nr.pidfd_getfd, Nr.process_madvise, Nr.process_mrelease, Nr.kcmp, Nr.get_robust_list,
        Nr.bpf, Nr.perf_event_open, Nr.userfaultfd, Nr.io_uring_setup, Nr.io_uring_enter, Nr.io_uring_register,
        Nr.unshare, Nr.setns, Nr.mount, Nr.umount2, Nr.pivot_root, Nr.chroot, Nr.fsopen, Nr.fsmount, Nr.fsconfig, Nr.fspick, Nr.open_tree,
        Nr.move_mount, Nr.mount_setattr, Nr.init_module, Nr.finit_module, Nr.delete_module, Nr.kexec_load, Nr.kexec_file_load, Nr.reboot,
        Nr.sethostname, Nr.setdomainname, Nr.settimeofday, Nr.clock_settime, Nr.adjtimex, Nr.clock_adjtime, Nr.syslog, Nr.acct, Nr.swapon,
        Nr.swapoff, Nr.quotactl, Nr.quotactl_fd, Nr.name_to_handle_at, Nr.open_by_handle_at, Nr.iopl, Nr.ioperm, Nr.seccomp,
        Nr.landlock_create_ruleset, Nr.landlock_add_rule, Nr.landlock_restrict_self, Nr.setxattr, Nr.lsetxattr, Nr.fsetxattr, Nr.removexattr,
        Nr.sync, Nr.syncfs, Nr.vhangup, Nr.lookup_dcookie, Nr.nfsservctl, Nr.uselib, Nr.ustat, Nr.sysfs, Nr._sysctl, Nr.modify_ldt,
        Nr.set_mempolicy, Nr.mbind, Nr.vmsplice, Nr.setsid, Nr.setpgid, Nr.statmount, Nr.listmount, Nr.lsm_set_self_attr,
    ];

    public static TheoryData<SeccompProfile, bool> ProfilesAndExec()
    {
        var data = new TheoryData<SeccompProfile, bool>();
        foreach (SeccompProfile profile in Enum.GetValues<SeccompProfile>())
        {
            data.Add(profile, false);
            data.Add(profile, true);
        }

        return data;
    }

    private static sock_filter[] Filter(SeccompProfile profile, bool allowExec, ulong? launcherExec = null) =>
        WorkerSeccompPolicy.Build(profile, allowExec, Self, launcherExec);

    [Theory]
    [MemberData(nameof(ProfilesAndExec))]
    public void Build_ForeignArchitectureOrX32_KillsTheProcess(SeccompProfile profile, bool allowExec)
    {
        var program = Filter(profile, allowExec);

        Bpf.Run(program, 0, [], arch: 0x40000003 /* i386 */).ShouldBe(SECCOMP_RET_KILL_PROCESS);
        Bpf.Run(program, (int)X32_SYSCALL_BIT | 0).ShouldBe(SECCOMP_RET_KILL_PROCESS);
        Bpf.Run(program, (int)X32_SYSCALL_BIT | Nr.execve).ShouldBe(SECCOMP_RET_KILL_PROCESS);
    }

    [Theory]
    [MemberData(nameof(ProfilesAndExec))]
    public void Build_EveryRuleOfTheTable_IsReachedAndDecidesAsItsChecksSay(SeccompProfile profile, bool allowExec)
    {
        const ulong LauncherExec = 0x0000_7ffd_1234_5678;
        var rules = WorkerSeccompPolicy.Rules(profile, allowExec, Self, allowExec ? null : LauncherExec);
        var program = Filter(profile, allowExec, allowExec ? null : LauncherExec);
        var listed = new HashSet<int>();

        foreach (SeccompRule rule in rules)
        {
            listed.Add(rule.Nr).ShouldBeTrue($"syscall {rule.Nr} is listed twice");
            rule.Why.ShouldNotBeNullOrWhiteSpace($"syscall {rule.Nr} needs a reason");
            foreach (ulong[] args in Samples(rule))
            {
                Bpf.Run(program, rule.Nr, args).ShouldBe(Expected(rule, args), $"syscall {rule.Nr} with ({string.Join(", ", args.Select(a => $"0x{a:x}"))})");
            }
        }

        for (var nr = 0; nr < Nr.Count + 64; nr++)
        {
            if (!listed.Contains(nr))
            {
                Bpf.Run(program, nr, 0, 0, 0, 0).ShouldBe(Eperm, $"syscall {nr} is not listed, so it is denied");
            }
        }

        program.Length.ShouldBeLessThan(4096);
    }

    [Theory]
    [MemberData(nameof(ProfilesAndExec))]
    public void Build_WhatReachesBeyondTheProcess_IsDeniedWithEperm(SeccompProfile profile, bool allowExec)
    {
        var program = Filter(profile, allowExec);

        foreach (var nr in NeverAllowed)
        {
            if (allowExec && nr is Nr.setsid or Nr.setpgid)
            {
                continue;
            }

            Bpf.Run(program, nr, 1, 1, 1).ShouldBe(Eperm, $"syscall {nr}");
        }

        foreach (ulong family in new ulong[] { 1 /* AF_UNIX */, 2, 10, 16 /* NETLINK */, 17 /* PACKET */, 40 /* VSOCK */ })
        {
            Bpf.Run(program, Nr.socket, family, 1, 0).ShouldBe(Eperm, $"socket({family})");
        }

        Bpf.Run(program, Nr.clone3).ShouldBe(Enosys, "clone3 reads its flags from memory the filter cannot see");
        Bpf.Run(program, Nr.openat2).ShouldBe(Enosys, "openat2 reads its mode from memory the filter cannot see");
        foreach (var flag in new uint[] { 0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000 })
        {
            Bpf.Run(program, Nr.clone, CloneThread | CloneVm | flag).ShouldBe(Eperm, $"clone with 0x{flag:x8}");
        }

        Bpf.Run(program, Nr.clone, CloneThread | CloneVm).ShouldBe(Allow, "threads are always allowed");
    }

    [Theory]
    [MemberData(nameof(ProfilesAndExec))]
    public void Build_CallsThatTakeAPid_WorkOnlyOnTheCallerItself(SeccompProfile profile, bool allowExec)
    {
        var program = Filter(profile, allowExec);
        int[] pidFirst =
        [
            Nr.prlimit64, Nr.sched_setaffinity, Nr.sched_getaffinity, Nr.sched_setscheduler, Nr.sched_getscheduler, Nr.sched_setparam,
            Nr.sched_getparam, Nr.sched_setattr, Nr.sched_getattr, Nr.sched_rr_get_interval, Nr.move_pages, Nr.migrate_pages, Nr.pidfd_open,
        ];

        foreach (var nr in pidFirst)
        {
            Bpf.Run(program, nr, 0, 0, 0, 0).ShouldBe(Allow, $"syscall {nr} on 0 (the caller)");
            Bpf.Run(program, nr, Self, 0, 0, 0).ShouldBe(Allow, $"syscall {nr} on its own pid");
            Bpf.Run(program, nr, Parent, 0, 0, 0).ShouldBe(Eperm, $"syscall {nr} on the host");
            Bpf.Run(program, nr, 1, 0, 0, 0).ShouldBe(Eperm, $"syscall {nr} on pid 1");
            Bpf.Run(program, nr, 0x1_0000_0000 | Parent, 0, 0, 0).ShouldBe(Eperm, $"syscall {nr}: the kernel reads an int, the filter the same low half");
        }

        foreach (var (nr, process) in new[] { (Nr.getpriority, 0UL), (Nr.setpriority, 0UL), (Nr.ioprio_get, 1UL), (Nr.ioprio_set, 1UL) })
        {
            Bpf.Run(program, nr, process, 0, 0).ShouldBe(Allow, $"syscall {nr} on itself");
            Bpf.Run(program, nr, process, Self, 0).ShouldBe(Allow, $"syscall {nr} on its own pid");
            Bpf.Run(program, nr, process, Parent, 0).ShouldBe(Eperm, $"syscall {nr} on the host");
            Bpf.Run(program, nr, process + 1, 0, 0).ShouldBe(Eperm, $"syscall {nr} on its process group");
            Bpf.Run(program, nr, process + 2, 0, 0).ShouldBe(Eperm, $"syscall {nr} on its user");
        }

        foreach (var nr in new[] { Nr.kill, Nr.tkill, Nr.tgkill, Nr.rt_sigqueueinfo, Nr.rt_tgsigqueueinfo, Nr.pidfd_send_signal })
        {
            Bpf.Run(program, nr, Parent, 0, 0).ShouldBe(Allow, $"signal call {nr}: Landlock's signal scope holds it, not seccomp");
        }
    }

    [Theory]
    [MemberData(nameof(ProfilesAndExec))]
    public void Build_Prctl_OnlyListedOptions(SeccompProfile profile, bool allowExec)
    {
        var program = Filter(profile, allowExec);

        foreach (uint option in WorkerSeccompPolicy.PrctlOptions)
        {
            Bpf.Run(program, Nr.prctl, option, 0).ShouldBe(Allow, $"prctl option {option}");
        }

        foreach (var (option, name) in new[]
        {
            (1UL, "PR_SET_PDEATHSIG"), (4UL, "PR_SET_DUMPABLE"), (35UL, "PR_SET_MM"), (0x59616d61UL, "PR_SET_PTRACER"), (28UL, "PR_SET_SECUREBITS"),
            (8UL, "PR_SET_KEEPCAPS"), (22UL, "PR_SET_SECCOMP"), (36UL, "PR_SET_CHILD_SUBREAPER"), (47UL, "PR_CAP_AMBIENT"), (24UL, "PR_CAPBSET_DROP"),
            (0x100000000UL | 15, "PR_SET_NAME with a high half: the kernel reads an int"),
        })
        {
            Bpf.Run(program, Nr.prctl, option, 0).ShouldBe(option > uint.MaxValue ? Allow : Eperm, name);
        }
    }

    [Theory]
    [MemberData(nameof(ProfilesAndExec))]
    public void Build_SetuidAndSetgidModes_AreRefusedEverywhereAModeIsPassed(SeccompProfile profile, bool allowExec)
    {
        var program = Filter(profile, allowExec);
        var modeAt = new Dictionary<int, int> { [Nr.open] = 2, [Nr.openat] = 3, [Nr.creat] = 1, [Nr.chmod] = 1, [Nr.fchmod] = 1, [Nr.fchmodat] = 2, [Nr.fchmodat2] = 2 };

        foreach (var (nr, index) in modeAt)
        {
            foreach (ulong mode in new ulong[] { 0, 0x1ff /* 0777 */, 0x3ff /* 01777 sticky */ })
            {
                Bpf.Run(program, nr, Args(index, mode)).ShouldBe(Allow, $"syscall {nr} with mode 0{Convert.ToString((long)mode, 8)}");
            }

            foreach (ulong mode in new ulong[] { 0x800 /* 04000 */, 0x400 /* 02000 */, 0xded /* 06755 */, 0x9ed /* 04755 */ })
            {
                Bpf.Run(program, nr, Args(index, mode)).ShouldBe(Eperm, $"syscall {nr} with mode 0{Convert.ToString((long)mode, 8)}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ProfilesAndExec))]
    public void Build_SmallArgumentFilters_DecideByValue(SeccompProfile profile, bool allowExec)
    {
        var program = Filter(profile, allowExec);

        Bpf.Run(program, Nr.socketpair, 1 /* AF_UNIX */, 1, 0).ShouldBe(Allow);
        Bpf.Run(program, Nr.socketpair, 1 /* AF_UNIX */, 1 | 0x80000 /* SOCK_CLOEXEC */ | 0x800 /* SOCK_NONBLOCK */, 0).ShouldBe(Allow);
        Bpf.Run(program, Nr.socketpair, 1 /* AF_UNIX */, 2 /* SOCK_DGRAM */, 0).ShouldBe(Eperm, "a datagram pair can sendto() a pathname socket");
        Bpf.Run(program, Nr.socketpair, 1 /* AF_UNIX */, 5 /* SOCK_SEQPACKET */, 0).ShouldBe(Eperm);
        Bpf.Run(program, Nr.socketpair, 1 /* AF_UNIX */, 2 | 0x80000, 0).ShouldBe(Eperm);
        Bpf.Run(program, Nr.socketpair, 2 /* AF_INET */, 1, 0).ShouldBe(Eperm);
        Bpf.Run(program, Nr.socketpair, 16 /* AF_NETLINK */, 3, 0).ShouldBe(Eperm);
        Bpf.Run(program, Nr.fallocate, 3, 0, 0, 1 << 20).ShouldBe(Allow, "posix_fallocate's mode 0 grows the file, so RLIMIT_FSIZE applies");
        Bpf.Run(program, Nr.fallocate, 3, 1 /* FALLOC_FL_KEEP_SIZE */, 0, 1 << 20).ShouldBe(Eperm, "blocks reserved without growing the size escape RLIMIT_FSIZE");
        Bpf.Run(program, Nr.fallocate, 3, 3 /* PUNCH_HOLE | KEEP_SIZE */, 0, 1 << 20).ShouldBe(Eperm);
        Bpf.Run(program, Nr.personality, 0xffffffff).ShouldBe(Allow, "the query");
        Bpf.Run(program, Nr.personality, 0x0400000 /* READ_IMPLIES_EXEC */).ShouldBe(Eperm);
        Bpf.Run(program, Nr.personality, 0x0040000 /* ADDR_NO_RANDOMIZE */).ShouldBe(Eperm);
        Bpf.Run(program, Nr.ioctl, 1, 0x5401 /* TCGETS */).ShouldBe(Allow);
        Bpf.Run(program, Nr.ioctl, 1, 0x5421 /* FIONBIO */).ShouldBe(Allow);
        Bpf.Run(program, Nr.ioctl, 1, 0x5412 /* TIOCSTI */).ShouldBe(Eperm, "no typing into the operator's terminal");
        Bpf.Run(program, Nr.ioctl, 1, 0x5402 /* TCSETS */).ShouldBe(Eperm);
        Bpf.Run(program, Nr.ioctl, 1, 0x4b3a /* KDSETMODE */).ShouldBe(Eperm);
    }

    [Theory]
    [InlineData(SeccompProfile.Dotnet, true, true, false)]
    [InlineData(SeccompProfile.Python, true, false, false)]
    [InlineData(SeccompProfile.Node, true, true, true)]
    [InlineData(SeccompProfile.Native, false, false, false)]
    public void Build_Profiles_DifferOnlyInTheirRuntimesCalls(SeccompProfile profile, bool memfd, bool membarrier, bool pkeys)
    {
        var program = Filter(profile, allowExec: false);

        Bpf.Run(program, Nr.memfd_create).ShouldBe(memfd ? Allow : Eperm);
        Bpf.Run(program, Nr.membarrier).ShouldBe(membarrier ? Allow : Eperm);
        Bpf.Run(program, Nr.pkey_alloc).ShouldBe(pkeys ? Allow : Eperm);
        Bpf.Run(program, Nr.futex).ShouldBe(Allow);
    }

    [Theory]
    [InlineData(SeccompProfile.Dotnet)]
    [InlineData(SeccompProfile.Python)]
    public void Build_WithoutExec_DeniesEveryWayToStartAProcess(SeccompProfile profile)
    {
        var program = Filter(profile, allowExec: false);

        Bpf.Run(program, Nr.execve).ShouldBe(Eperm);
        Bpf.Run(program, Nr.execveat).ShouldBe(Eperm);
        Bpf.Run(program, Nr.fork).ShouldBe(Eperm);
        Bpf.Run(program, Nr.vfork).ShouldBe(Eperm);
        Bpf.Run(program, Nr.clone, Sigchld).ShouldBe(Eperm, "clone without CLONE_THREAD is a fork");
    }

    [Theory]
    [InlineData(SeccompProfile.Dotnet)]
    [InlineData(SeccompProfile.Node)]
    public void Build_WithExec_AllowsProcessesButNotNamespaces(SeccompProfile profile)
    {
        var program = Filter(profile, allowExec: true);

        Bpf.Run(program, Nr.execve).ShouldBe(Allow);
        Bpf.Run(program, Nr.execveat).ShouldBe(Allow);
        Bpf.Run(program, Nr.fork).ShouldBe(Allow);
        Bpf.Run(program, Nr.vfork).ShouldBe(Allow);
        Bpf.Run(program, Nr.clone, Sigchld).ShouldBe(Allow);
        Bpf.Run(program, Nr.clone, Sigchld | 0x10000000 /* CLONE_NEWUSER */).ShouldBe(Eperm);
    }

    [Fact]
    public void BuildForLauncherExec_WithoutExec_AllowsOnlyTheExecOfTheLaunchersOwnBuffer()
    {
        const ulong address = 0x0000_7ffd_1234_5678;
        var program = WorkerSeccompPolicy.BuildForLauncherExec(SeccompProfile.Python, allowExec: false, address);

        Bpf.Run(program, Nr.execve, address).ShouldBe(Allow);
        Bpf.Run(program, Nr.execve, address + 8).ShouldBe(Eperm, "another low half");
        Bpf.Run(program, Nr.execve, address + 0x1_0000_0000).ShouldBe(Eperm, "another high half");
        Bpf.Run(program, Nr.execveat, address).ShouldBe(Eperm);
        Bpf.Run(program, Nr.fork).ShouldBe(Eperm);
        Bpf.Run(program, Nr.clone, Sigchld).ShouldBe(Eperm);
        Bpf.Run(program, Nr.prlimit64, (ulong)Environment.ProcessId).ShouldBe(Allow, "self is the launcher's pid, which the exec keeps");
    }

    [Fact]
    public void Build_DotnetWorker_NamesThisProcessAsSelf()
    {
        var program = WorkerSeccompPolicy.Build(allowExec: false);

        Bpf.Run(program, Nr.prlimit64, (ulong)Environment.ProcessId).ShouldBe(Allow);
        Bpf.Run(program, Nr.prlimit64, (ulong)Environment.ProcessId + 1).ShouldBe(Eperm);
    }

    [Fact]
    public void Run_UnknownInstruction_FailsTheTest() =>
        Should.Throw<InvalidOperationException>(() => Bpf.Run([new sock_filter { code = 0x07 /* BPF_MISC */ }], 0));

    private static ulong[] Args(int index, ulong value)
    {
        var args = new ulong[6];
        args[index] = value;
        return args;
    }

    // Argument vectors that exercise every check of a rule: each operand, its neighbours, 0, and all bits.
    private static IEnumerable<ulong[]> Samples(SeccompRule rule)
    {
        yield return new ulong[6];
        yield return [ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];
        foreach (SeccompArgumentCheck check in rule.Checks)
        {
            foreach (ulong value in new ulong[] { check.Operand, check.Operand + 1UL, check.Operand - 1UL, Self, Parent })
            {
                ulong shifted = check.UpperHalf ? value << 32 : value;
                yield return Args(check.Index, shifted);
                var combined = new ulong[6];
                foreach (SeccompArgumentCheck other in rule.Checks)
                {
                    combined[other.Index] |= other.UpperHalf ? (ulong)other.Operand << 32 : other.Operand;
                }

                yield return combined;
            }
        }
    }

    // The rule's meaning, written independently of the BPF layout: first matching check decides.
    private static uint Expected(SeccompRule rule, ulong[] args)
    {
        foreach (SeccompArgumentCheck check in rule.Checks)
        {
            uint word = check.UpperHalf ? (uint)(args[check.Index] >> 32) : (uint)args[check.Index];
            bool matches = check.Test switch
            {
                SeccompArgumentTest.Equal => word == check.Operand,
                SeccompArgumentTest.NotEqual => word != check.Operand,
                SeccompArgumentTest.AnyBitSet => (word & check.Operand) != 0,
                _ => (word & check.Operand) == 0,
            };
            if (matches)
            {
                return check.Action.Value;
            }
        }

        return rule.Action.Value;
    }
}
