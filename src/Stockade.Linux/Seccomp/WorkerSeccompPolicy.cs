using static Stockade.Linux.Interop.SyscallTable;

namespace Stockade.Linux.Seccomp;

/// <summary>
/// The seccomp policy of a worker: an allow-list, one table per runtime profile on top of a table every profile
/// shares. A call that is not listed fails with EPERM; a foreign architecture or an x32 call kills the process.
/// </summary>
/// <remarks>
/// <para>
/// Modelled on Chromium's seccomp-bpf baseline policy (allow-list, pid-taking calls only on the caller,
/// <c>prctl</c> by option, <c>clone</c> only for threads), nsjail and the container runtimes' default profiles
/// (default EPERM, no keyrings, namespaces, mount, modules, clock changes...). The lists were measured with
/// <c>strace -f</c> on the samples (the .NET worker under GC pressure, many threads, the thread pool, timers, file
/// I/O and Process.Start; Python threads, asyncio, json, hashlib; Node's event loop, timers, fs and crypto) and are
/// generous for calls that stay inside the process (memory, time, futex, epoll, signals, descriptors), strict for
/// anything that reaches beyond it.
/// </para>
/// <para>
/// What is left out on purpose, by not being listed: <c>socket</c> itself (a plugin reaches the host through the
/// protocol; pathname Unix sockets are outside Landlock ABI 7 and the host's .NET diagnostics socket lives in /tmp),
/// connect/bind/listen/accept, SysV IPC (shm*, sem*, msg*), POSIX message queues, keyrings, fanotify, inotify
/// (seccomp cannot see the watched path), the setuid/setgid/setgroups/capset family, mknod, chown, ptrace,
/// process_vm_*, pidfd_getfd, process_madvise, kcmp, get_robust_list, bpf, perf_event_open, userfaultfd,
/// io_uring_*, unshare/setns, the mount family, chroot/pivot_root, kexec and module calls, reboot,
/// sethostname/setdomainname, settimeofday/clock_settime/adjtimex/clock_adjtime, syslog, acct, swapon/off,
/// quotactl, name_to_handle_at/open_by_handle_at, iopl/ioperm, seccomp and landlock_* (no reason to stack more),
/// setxattr and friends, sync/syncfs.
/// </para>
/// </remarks>
internal static class WorkerSeccompPolicy
{
    private const int EPERM = 1;
    private const int ENOSYS = 38;

    /// <summary>Every <c>CLONE_NEW*</c> flag that <c>clone(2)</c> accepts (CLONE_NEWTIME shares its bit with the exit signal there).</summary>
    internal const uint CloneNewFlags =
        0x00020000 /* NEWNS */ | 0x02000000 /* NEWCGROUP */ | 0x04000000 /* NEWUTS */ | 0x08000000 /* NEWIPC */ |
        0x10000000 /* NEWUSER */ | 0x20000000 /* NEWPID */ | 0x40000000 /* NEWNET */;

    internal const uint CloneThread = 0x00010000;

    /// <summary>S_ISUID | S_ISGID: a mode with either bit is refused, so no plugin plants a setuid or setgid file.</summary>
    internal const uint SetIdBits = 0x0c00;

    /// <summary>Bits of a socket type that every type but <c>SOCK_STREAM</c> (1) sets at least one of (DGRAM 2, RAW 3, RDM 4, SEQPACKET 5, PACKET 10).</summary>
    internal const uint SocketTypeBitsOtherThanStream = 0xE;

    /// <summary>The <c>prctl</c> options a worker may use; everything else (PDEATHSIG, DUMPABLE, MM, PTRACER, SECUREBITS...) is EPERM.</summary>
    internal static readonly uint[] PrctlOptions =
    [
        2 /* PR_GET_PDEATHSIG: reading it changes nothing (the canary reads it) */,
        3 /* PR_GET_DUMPABLE */,
        7 /* PR_GET_KEEPCAPS */,
        15 /* PR_SET_NAME: threads name themselves (glibc pthread_setname_np on the calling thread) */,
        16 /* PR_GET_NAME */,
        21 /* PR_GET_SECCOMP */,
        23 /* PR_CAPBSET_READ */,
        27 /* PR_GET_SECUREBITS */,
        29 /* PR_SET_TIMERSLACK: the caller's own timer slack */,
        30 /* PR_GET_TIMERSLACK */,
        38 /* PR_SET_NO_NEW_PRIVS: can only be set, never cleared */,
        39 /* PR_GET_NO_NEW_PRIVS */,
        40 /* PR_GET_TID_ADDRESS */,
        41 /* PR_SET_THP_DISABLE: the caller's own huge pages */,
        42 /* PR_GET_THP_DISABLE */,
        0x53564d41 /* PR_SET_VMA: glibc and the runtimes name their anonymous mappings */,
    ];

    /// <summary>The <c>ioctl</c> requests a worker may make: terminal and descriptor queries, no terminal input (TIOCSTI) or settings.</summary>
    internal static readonly uint[] IoctlRequests =
    [
        0x5401 /* TCGETS: isatty() */,
        0x540f /* TIOCGPGRP */,
        0x5413 /* TIOCGWINSZ: terminal size */,
        0x541b /* FIONREAD: bytes waiting on a pipe or socket */,
        0x5421 /* FIONBIO: non-blocking mode (libuv, Python) */,
        0x5450 /* FIONCLEX */,
        0x5451 /* FIOCLEX: close-on-exec (libuv, CPython) */,
        0x40049409 /* FICLONE: .NET File.Copy tries a reflink between two files it opened, then falls back to copy_file_range */,
    ];

    /// <summary>The .NET worker's filter (stage 2 installs it on all threads), naming this process as "self".</summary>
    internal static Interop.sock_filter[] Build(bool allowExec, bool notifyDenials = false) =>
        Build(SeccompProfile.Dotnet, allowExec, Environment.ProcessId, launcherExecFilename: null, notifyDenials);

    /// <summary>
    /// The worker filter as the launcher installs it just before it execs an executable plugin: like
    /// <see cref="Build(bool, bool)"/> with the tables of <paramref name="profile"/>, except that without
    /// <paramref name="allowExec"/> one <c>execve</c> stays allowed, the one whose filename argument is exactly
    /// <paramref name="filenameAddress"/> (the launcher's own buffer). execveat is denied: its path is relative to a
    /// descriptor the filter cannot see. "Self" is the launcher's pid, which the exec keeps.
    /// </summary>
    /// <remarks>
    /// The pointer is not a secret and, after the exec, the target could map memory at the same address and
    /// name another file there. That re-opens only what Landlock already allows: the launcher's rules grant
    /// Execute on the target and its ELF interpreter alone, so the most it can do is replace itself with
    /// the same confined program (fork stays denied, so never alongside itself). seccomp cannot read the
    /// string behind the pointer (that would race against other threads anyway), and a user-notification
    /// supervisor would be a second process to keep alive for one syscall.
    /// </remarks>
    internal static Interop.sock_filter[] BuildForLauncherExec(SeccompProfile profile, bool allowExec, ulong filenameAddress, bool notifyDenials = false) =>
        Build(profile, allowExec, Environment.ProcessId, allowExec ? null : filenameAddress, notifyDenials);

    /// <summary>The filter for <paramref name="profile"/>, with <paramref name="selfPid"/> as the only pid a pid-taking call may name besides 0.</summary>
    internal static Interop.sock_filter[] Build(SeccompProfile profile, bool allowExec, int selfPid, ulong? launcherExecFilename) =>
        Build(profile, allowExec, selfPid, launcherExecFilename, notifyDenials: false);

    /// <summary>
    /// The filter for <paramref name="profile"/>; with <paramref name="notifyDenials"/> every EPERM denial becomes
    /// <c>SECCOMP_RET_USER_NOTIF</c>, so the holder of the filter's listener (the host) sees the call and answers it with
    /// EPERM (<see cref="DeniedErrno"/>). Only denied calls take that round trip; allowed calls stay <c>RET_ALLOW</c>,
    /// the ENOSYS answers (clone3, openat2: a fallback, not a denial) stay in the kernel, and what kills still kills.
    /// </summary>
    internal static Interop.sock_filter[] Build(SeccompProfile profile, bool allowExec, int selfPid, ulong? launcherExecFilename, bool notifyDenials)
    {
        var denied = SeccompAction.Errno(EPERM);
        SeccompAction Observed(SeccompAction action) => notifyDenials && action == denied ? SeccompAction.UserNotif : action;

        var builder = new SeccompFilterBuilder(Observed(denied));
        foreach (SeccompRule rule in Rules(profile, allowExec, selfPid, launcherExecFilename))
        {
            var checks = new SeccompArgumentCheck[rule.Checks.Length];
            for (int i = 0; i < checks.Length; i++)
            {
                checks[i] = rule.Checks[i] with { Action = Observed(rule.Checks[i].Action) };
            }

            builder.AddWithArguments(rule.Nr, Observed(rule.Action), checks);
        }

        return builder.Build();
    }

    /// <summary>The errno every notified denial is answered with: the same EPERM the filter returns without a listener.</summary>
    internal const int DeniedErrno = EPERM;

    /// <summary>Every rule of the profile's filter: the shared table, the profile's own, and the process-creation rules.</summary>
    internal static List<SeccompRule> Rules(SeccompProfile profile, bool allowExec, int selfPid, ulong? launcherExecFilename)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(selfPid);
        var rules = new List<SeccompRule>(256);
        rules.AddRange(Common((uint)selfPid));
        rules.AddRange(profile switch
        {
            SeccompProfile.Dotnet => Dotnet(),
            SeccompProfile.Python => Python(),
            SeccompProfile.Node => Node(),
            SeccompProfile.NativeAot => NativeAot(),
            _ => Array.Empty<SeccompRule>(),
        });
        rules.AddRange(ProcessCreation(allowExec, launcherExecFilename));
        return rules;
    }

    /// <summary>What every runtime needs: its own memory, threads, time, signals, descriptors, and paths that Landlock holds.</summary>
    private static SeccompRule[] Common(uint self) =>
    [
        // Memory: the process's own address space.
        Allow(brk, "the C heap"),
        Allow(mmap, "every allocator and the loader"),
        Allow(munmap, "frees what mmap mapped"),
        Allow(mprotect, "guard pages, JIT code pages, RELRO"),
        Allow(mremap, "glibc realloc of large blocks"),
        Allow(madvise, "GC and allocators return or pre-fault pages (MADV_DONTNEED, DONTFORK, ...)"),
        Allow(msync, "flushes a mapped file the plugin opened"),
        Allow(mincore, "runtimes probe which pages are resident"),
        Allow(get_mempolicy, "NUMA queries of the own memory"),
        Allow(map_shadow_stack, "glibc with CET shadow stacks"),
        Allow(mseal, "glibc seals its own mappings"),

        // Threads and synchronisation.
        Allow(futex, "every lock and condition variable"),
        Allow(futex_waitv, "futex wait on several words"),
        Allow(futex_wake, "futex2"),
        Allow(futex_wait, "futex2"),
        Allow(futex_requeue, "futex2"),
        Allow(set_robust_list, "glibc registers each thread's robust mutex list"),
        Allow(set_tid_address, "glibc thread start"),
        Allow(rseq, "glibc registers restartable sequences per thread"),
        Allow(gettid, "own thread id"),
        Allow(getpid, "own process id"),
        Allow(getppid, "the parent's pid; naming it grants nothing (signals are scoped by Landlock, pid calls are filtered)"),
        Allow(sched_yield, "spin-wait back-off"),
        Allow(arch_prctl, "the thread's own FS/GS base (TLS)"),
        Allow(exit, "a thread ends"),
        Allow(exit_group, "the process ends"),
        Allow(wait4, "waits for the process's own children only"),
        Allow(waitid, "waits for the process's own children only"),
        Rule(clone3, SeccompAction.Errno(ENOSYS), "its flags are in memory the filter cannot read: ENOSYS makes glibc fall back to clone, whose flags it can"),

        // Time and timers.
        Allow(clock_gettime, "clocks (usually answered by the vDSO)"),
        Allow(clock_getres, "clock resolution"),
        Allow(clock_nanosleep, "sleeps"),
        Allow(nanosleep, "sleeps"),
        Allow(gettimeofday, "wall clock"),
        Allow(time, "wall clock"),
        Allow(timer_create, "POSIX timers of the own process"),
        Allow(timer_settime, "POSIX timers"),
        Allow(timer_gettime, "POSIX timers"),
        Allow(timer_getoverrun, "POSIX timers"),
        Allow(timer_delete, "POSIX timers"),
        Allow(timerfd_create, "event-loop timers"),
        Allow(timerfd_settime, "event-loop timers"),
        Allow(timerfd_gettime, "event-loop timers"),
        Allow(getitimer, "interval timers"),
        Allow(setitimer, "interval timers"),
        Allow(alarm, "SIGALRM to itself"),

        // Signals. kill/tkill/tgkill/rt_*sigqueueinfo/pidfd_send_signal stay allowed: Landlock's signal scope (ABI 6)
        // limits them to processes inside the worker's own domain.
        Allow(rt_sigaction, "signal handlers (the runtimes' own: SIGSEGV for null checks, SIGCHLD...)"),
        Allow(rt_sigprocmask, "signal masks"),
        Allow(rt_sigreturn, "returns from a handler"),
        Allow(rt_sigpending, "signal queries"),
        Allow(rt_sigtimedwait, "waits for a signal"),
        Allow(rt_sigsuspend, "waits for a signal"),
        Allow(sigaltstack, "the alternate stack for stack-overflow handling"),
        Allow(restart_syscall, "the kernel restarts an interrupted sleep"),
        Allow(pause, "waits for a signal"),
        Allow(signalfd, "signals as a descriptor"),
        Allow(signalfd4, "signals as a descriptor"),
        Allow(kill, "signals: held by Landlock's signal scope"),
        Allow(tkill, "signals to its own threads (the runtimes' thread suspension); held by Landlock's signal scope"),
        Allow(tgkill, "signals to its own threads; held by Landlock's signal scope"),
        Allow(rt_sigqueueinfo, "signals with data; held by Landlock's signal scope"),
        Allow(rt_tgsigqueueinfo, "signals with data; held by Landlock's signal scope"),
        Allow(pidfd_send_signal, "signals through a pidfd; held by Landlock's signal scope"),
        OnlySelf(pidfd_open, 0, self, "a pidfd of itself; of another process it would be a handle to poll or signal"),

        // Waiting on descriptors.
        Allow(epoll_create, "event loops"),
        Allow(epoll_create1, "event loops"),
        Allow(epoll_ctl, "event loops"),
        Allow(epoll_wait, "event loops"),
        Allow(epoll_pwait, "event loops (libuv)"),
        Allow(epoll_pwait2, "event loops"),
        Allow(poll, "waits on descriptors"),
        Allow(ppoll, "waits on descriptors"),
        Allow(select, "waits on descriptors"),
        Allow(pselect6, "waits on descriptors"),
        Allow(eventfd, "wake-ups inside the process"),
        Allow(eventfd2, "wake-ups inside the process (libuv, the runtimes)"),
        Allow(pipe, "pipes inside the process"),
        Allow(pipe2, "pipes inside the process (Python's self-pipe, subprocess plumbing)"),

        // Descriptors the process already holds.
        Allow(read, "reads"),
        Allow(write, "writes"),
        Allow(readv, "reads"),
        Allow(writev, "writes"),
        Allow(pread64, "reads at an offset"),
        Allow(pwrite64, "writes at an offset"),
        Allow(preadv, "reads at an offset"),
        Allow(pwritev, "writes at an offset"),
        Allow(preadv2, "reads at an offset"),
        Allow(pwritev2, "writes at an offset"),
        Allow(lseek, "file position"),
        Allow(close, "closes a descriptor"),
        Allow(close_range, "closes descriptors (before exec)"),
        Allow(dup, "duplicates a descriptor"),
        Allow(dup2, "duplicates a descriptor"),
        Allow(dup3, "duplicates a descriptor"),
        Allow(fcntl, "descriptor flags and record locks"),
        Allow(flock, "file locks on files it opened"),
        Allow(fstat, "metadata of an open file"),
        Allow(fstatfs, "file-system type of an open file (.NET FileStream)"),
        Allow(fsync, "durability"),
        Allow(fdatasync, "durability"),
        Allow(ftruncate, "resizes an open file (RLIMIT_FSIZE bounds it)"),
        // Mode 0 only: FALLOC_FL_KEEP_SIZE (and PUNCH_HOLE, ZERO_RANGE...) reserve blocks without growing the size, so
        // RLIMIT_FSIZE never sees them; one call could fill the host's disk. posix_fallocate (.NET, Python) uses mode 0.
        WithArguments(fallocate, SeccompAction.Errno(EPERM), "reserves space in an open file, mode 0 only (RLIMIT_FSIZE bounds it)",
            new SeccompArgumentCheck(1, SeccompArgumentTest.Equal, 0, SeccompAction.Allow)),
        Allow(fadvise64, "read-ahead hints"),
        Allow(readahead, "read-ahead hints"),
        Allow(sendfile, "copies between descriptors (.NET File.Copy)"),
        Allow(copy_file_range, "copies between descriptors (.NET File.Copy, Python shutil)"),
        Allow(splice, "moves data between descriptors"),
        Allow(tee, "duplicates pipe data"),
        Allow(getdents, "lists a directory it opened"),
        Allow(getdents64, "lists a directory it opened"),
        Allow(fgetxattr, "reads extended attributes"),
        Allow(flistxattr, "lists extended attributes"),
        WithArguments(ioctl, SeccompAction.Errno(EPERM), "terminal and descriptor queries only: no TIOCSTI, no terminal settings, no device control",
            EqualToAny(1, IoctlRequests, SeccompAction.Allow)),

        // Paths: what they may reach is Landlock's decision (files the worker was granted); these are the calls to ask.
        SetIdModeRefused(open, 2, "opens a path (Landlock decides); a setuid or setgid mode is refused"),
        SetIdModeRefused(openat, 3, "opens a path (Landlock decides); a setuid or setgid mode is refused"),
        SetIdModeRefused(creat, 1, "creates a file (Landlock decides); a setuid or setgid mode is refused"),
        Rule(openat2, SeccompAction.Errno(ENOSYS), "its mode is in memory the filter cannot read: ENOSYS makes callers fall back to openat, whose mode it can"),
        Allow(stat, "metadata by path"),
        Allow(lstat, "metadata by path"),
        Allow(newfstatat, "metadata by path (glibc's stat)"),
        Allow(statx, "metadata by path (Node, .NET)"),
        Allow(statfs, "file-system type by path"),
        Allow(access, "permission check by path"),
        Allow(faccessat, "permission check by path"),
        Allow(faccessat2, "permission check by path"),
        Allow(readlink, "reads a symlink (the runtimes read /proc/self/exe)"),
        Allow(readlinkat, "reads a symlink"),
        Allow(getcwd, "the working directory"),
        Allow(chdir, "changes the working directory (paths stay under Landlock)"),
        Allow(fchdir, "changes the working directory"),
        Allow(mkdir, "creates a directory (Landlock decides; the kernel drops setuid bits from a directory mode)"),
        Allow(mkdirat, "creates a directory (Landlock decides)"),
        Allow(rmdir, "removes a directory (Landlock decides)"),
        Allow(unlink, "removes a file (Landlock decides)"),
        Allow(unlinkat, "removes a file (Landlock decides)"),
        Allow(rename, "renames (Landlock decides, REFER included)"),
        Allow(renameat, "renames (Landlock decides)"),
        Allow(renameat2, "renames (Landlock decides)"),
        Allow(link, "hard links (Landlock decides; .NET File.Move tries link first); protected_hardlinks applies"),
        Allow(linkat, "hard links (Landlock decides)"),
        Allow(symlink, "symbolic links inside folders it may write (Landlock decides)"),
        Allow(symlinkat, "symbolic links (Landlock decides)"),
        Allow(truncate, "resizes a file by path (Landlock decides, RLIMIT_FSIZE bounds it)"),
        SetIdModeRefused(chmod, 1, "changes a mode (Landlock decides); setuid and setgid bits are refused"),
        SetIdModeRefused(fchmod, 1, "changes a mode; setuid and setgid bits are refused"),
        SetIdModeRefused(fchmodat, 2, "changes a mode (Landlock decides); setuid and setgid bits are refused"),
        SetIdModeRefused(fchmodat2, 2, "changes a mode (Landlock decides); setuid and setgid bits are refused"),
        Allow(utime, "file times"),
        Allow(utimes, "file times"),
        Allow(utimensat, "file times"),
        Allow(futimesat, "file times"),
        Allow(umask, "the process's own creation mask"),
        Allow(getxattr, "reads extended attributes (Python shutil.copystat)"),
        Allow(lgetxattr, "reads extended attributes"),
        Allow(listxattr, "lists extended attributes"),
        Allow(llistxattr, "lists extended attributes"),

        // Sockets: no socket() at all; only connected AF_UNIX pairs inside the process and the descriptors it inherited.
        // Stream only: a datagram pair is connected too, but sendto() with an address still reaches any pathname
        // datagram socket (/dev/log, journald, a host's own); a stream socket refuses an address (EISCONN/EOPNOTSUPP).
        // Every type but SOCK_STREAM (1) sets a bit of 0xE; the flags SOCK_CLOEXEC/SOCK_NONBLOCK sit above it.
        WithArguments(socketpair, SeccompAction.Errno(EPERM), "AF_UNIX stream pairs only (Python asyncio's self-pipe, libuv's child plumbing): connected, nameless, inside the process",
            new SeccompArgumentCheck(1, SeccompArgumentTest.AnyBitSet, SocketTypeBitsOtherThanStream, SeccompAction.Errno(EPERM)),
            new SeccompArgumentCheck(0, SeccompArgumentTest.Equal, Interop.AF_UNIX, SeccompAction.Allow)),
        Allow(sendmsg, "on the pairs and the inherited protocol descriptors"),
        Allow(recvmsg, "on the pairs and the inherited protocol descriptors"),
        Allow(sendto, "on the pairs and the inherited protocol descriptors"),
        Allow(recvfrom, "on the pairs and the inherited protocol descriptors"),
        Allow(sendmmsg, "on the pairs and the inherited protocol descriptors"),
        Allow(recvmmsg, "on the pairs and the inherited protocol descriptors"),
        Allow(shutdown, "half-closes a pair"),
        Allow(getsockopt, "socket options of a pair"),
        Allow(setsockopt, "socket options of a pair (buffer sizes)"),
        Allow(getsockname, "names of a pair (empty)"),
        Allow(getpeername, "names of a pair (empty)"),

        // Identity and system queries.
        Allow(getuid, "own identity"),
        Allow(geteuid, "own identity"),
        Allow(getgid, "own identity"),
        Allow(getegid, "own identity"),
        Allow(getresuid, "own identity"),
        Allow(getresgid, "own identity"),
        Allow(getgroups, "own identity"),
        Allow(getpgrp, "own process group"),
        Allow(getpgid, "a process group id"),
        Allow(getsid, "a session id"),
        Allow(capget, "reads capabilities (Node checks its own at start)"),
        Allow(uname, "kernel name and version"),
        Allow(sysinfo, "memory and uptime totals (Python, Node, .NET GC limits)"),
        Allow(getrusage, "own resource use"),
        Allow(times, "own CPU times"),
        Allow(getcpu, "the CPU it runs on"),
        Allow(getrandom, "random bytes (hash seeds, crypto)"),
        Allow(getrlimit, "own limits"),
        Allow(setrlimit, "own limits: lowering is free, raising a hard limit needs a capability the worker has not"),
        WithArguments(personality, SeccompAction.Errno(EPERM), "only the query (0xffffffff): a changed personality (e.g. READ_IMPLIES_EXEC) would weaken the process",
            new SeccompArgumentCheck(0, SeccompArgumentTest.Equal, 0xffffffff, SeccompAction.Allow)),
        WithArguments(prctl, SeccompAction.Errno(EPERM), "listed options only (PrctlOptions): never PDEATHSIG, DUMPABLE, MM, PTRACER or SECUREBITS",
            EqualToAny(0, PrctlOptions, SeccompAction.Allow)),

        // Calls that take a pid: only 0 or the caller's own pid. On another process each was a way out
        // (prlimit64 with RLIMIT_CPU killed the host; setpriority, sched_setaffinity and ioprio_set reached it).
        // A thread id is not known in advance, so a runtime's calls on its own threads by tid get EPERM too: the .NET
        // runtime asks each new thread's affinity and sets a thread's scheduler by tid, and carries on when refused
        // (measured: the workload probe under strace, every step ok).
        OnlySelf(prlimit64, 0, self, "own rlimits (read and set); on another process it killed the host with RLIMIT_CPU"),
        OnlySelf(sched_getaffinity, 0, self, "own CPU set (the runtimes size their thread pools)"),
        OnlySelf(sched_setaffinity, 0, self, "own CPU set"),
        OnlySelf(sched_getparam, 0, self, "own scheduling"),
        OnlySelf(sched_setparam, 0, self, "own scheduling"),
        OnlySelf(sched_getscheduler, 0, self, "own scheduling"),
        OnlySelf(sched_setscheduler, 0, self, "own scheduling (a real-time class needs a capability the worker has not)"),
        OnlySelf(sched_getattr, 0, self, "own scheduling"),
        OnlySelf(sched_setattr, 0, self, "own scheduling"),
        OnlySelf(sched_rr_get_interval, 0, self, "own scheduling"),
        Allow(sched_get_priority_max, "takes no pid"),
        Allow(sched_get_priority_min, "takes no pid"),
        WhichWhoSelf(getpriority, 0 /* PRIO_PROCESS */, self, "own nice value; not a process group or a user's"),
        WhichWhoSelf(setpriority, 0 /* PRIO_PROCESS */, self, "own nice value; not a process group or a user's"),
        WhichWhoSelf(ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, self, "own I/O priority"),
        WhichWhoSelf(ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, self, "own I/O priority"),
        OnlySelf(move_pages, 0, self, "NUMA placement of the own pages"),
        OnlySelf(migrate_pages, 0, self, "NUMA placement of the own pages"),
    ];

    /// <summary>What the .NET runtime needs beyond the shared table (measured on the worker).</summary>
    private static SeccompRule[] Dotnet() =>
    [
        Allow(memfd_create, "W^X: the runtime maps JIT code twice through an anonymous memory file"),
        Allow(membarrier, "FlushProcessWriteBuffers: the GC and thread suspension"),
        Allow(mlock, "the runtime locks its FlushProcessWriteBuffers helper page where membarrier is missing"),
        Allow(munlock, "pairs with mlock"),
    ];

    /// <summary>
    /// What a NativeAOT .NET executable needs beyond the shared table (measured with <c>strace -f</c> on
    /// samples/plugins/hello-csharp-native: start, initialize, invoke with file I/O, timers, shutdown). Its code is
    /// compiled ahead, so there is no executable memory to map twice: memfd_create, which the JIT worker needs for W^X,
    /// stays denied.
    /// </summary>
    private static SeccompRule[] NativeAot() =>
    [
        Allow(membarrier, "FlushProcessWriteBuffers: the GC and thread suspension (queried and registered at start)"),
        Allow(mlock, "the runtime locks its FlushProcessWriteBuffers helper page where membarrier is missing"),
        Allow(munlock, "pairs with mlock"),
    ];

    /// <summary>What CPython needs beyond the shared table (measured on hello-python under threads, asyncio, hashlib, json).</summary>
    private static SeccompRule[] Python() =>
    [
        Allow(memfd_create, "ctypes and multiprocessing map executable trampolines through an anonymous memory file"),
    ];

    /// <summary>What Node.js needs beyond the shared table (measured on hello-node: event loop, timers, fs, crypto).</summary>
    private static SeccompRule[] Node() =>
    [
        Allow(pkey_alloc, "V8 protects its JIT code with memory protection keys"),
        Allow(pkey_free, "V8 memory protection keys"),
        Allow(pkey_mprotect, "V8 memory protection keys"),
        Allow(memfd_create, "V8 and libuv map anonymous memory files"),
        Allow(membarrier, "V8 flushes instruction caches across threads"),
    ];

    /// <summary>
    /// Threads always; processes only when subprocess is granted (and then never in a new namespace). Without it, the
    /// launcher keeps exactly one execve: the one of its own buffer.
    /// </summary>
    private static SeccompRule[] ProcessCreation(bool allowExec, ulong? launcherExecFilename)
    {
        var deny = SeccompAction.Errno(EPERM);
        var newNamespace = new SeccompArgumentCheck(0, SeccompArgumentTest.AnyBitSet, CloneNewFlags, deny);
        if (allowExec)
        {
            return
            [
                WithArguments(clone, SeccompAction.Allow, "threads and, with subprocess granted, processes; never a new namespace", newNamespace),
                Allow(fork, "subprocess is granted"),
                Allow(vfork, "subprocess is granted (posix_spawn)"),
                Allow(execve, "subprocess is granted (Landlock EXECUTE holds which files)"),
                Allow(execveat, "subprocess is granted (Landlock EXECUTE holds which files)"),
                Allow(setsid, "a child starting its own session (Python start_new_session)"),
                Allow(setpgid, "a child joining a process group (kernel limits it to its own children)"),
            ];
        }

        var clonePolicy = WithArguments(clone, SeccompAction.Allow, "threads only (CLONE_THREAD); never a new namespace", newNamespace,
            new SeccompArgumentCheck(0, SeccompArgumentTest.NoBitSet, CloneThread, deny));
        if (launcherExecFilename is not { } address)
        {
            return [clonePolicy];
        }

        return
        [
            clonePolicy,
            WithArguments(execve, SeccompAction.Allow, "the launcher's own exec of the plugin: only its filename buffer",
                new SeccompArgumentCheck(0, SeccompArgumentTest.NotEqual, (uint)address, deny),
                new SeccompArgumentCheck(0, SeccompArgumentTest.NotEqual, (uint)(address >> 32), deny, UpperHalf: true)),
        ];
    }

    private static SeccompRule Allow(int nr, string why) => new(nr, SeccompAction.Allow, why, []);

    private static SeccompRule Rule(int nr, SeccompAction action, string why) => new(nr, action, why, []);

    private static SeccompRule WithArguments(int nr, SeccompAction otherwise, string why, params SeccompArgumentCheck[] checks) =>
        new(nr, otherwise, why, checks);

    // 0 means "the caller" for every call listed with this; the caller's own pid is the same process.
    private static SeccompRule OnlySelf(int nr, int argument, uint self, string why) =>
        new(nr, SeccompAction.Errno(EPERM), why,
        [
            new SeccompArgumentCheck(argument, SeccompArgumentTest.Equal, 0, SeccompAction.Allow),
            new SeccompArgumentCheck(argument, SeccompArgumentTest.Equal, self, SeccompAction.Allow),
        ]);

    // getpriority/setpriority/ioprio_*: (which, who): only "a process" (not a group or a user), and only itself.
    private static SeccompRule WhichWhoSelf(int nr, uint whichProcess, uint self, string why) =>
        new(nr, SeccompAction.Errno(EPERM), why,
        [
            new SeccompArgumentCheck(0, SeccompArgumentTest.NotEqual, whichProcess, SeccompAction.Errno(EPERM)),
            new SeccompArgumentCheck(1, SeccompArgumentTest.Equal, 0, SeccompAction.Allow),
            new SeccompArgumentCheck(1, SeccompArgumentTest.Equal, self, SeccompAction.Allow),
        ]);

    private static SeccompRule SetIdModeRefused(int nr, int modeArgument, string why) =>
        new(nr, SeccompAction.Allow, why, [new SeccompArgumentCheck(modeArgument, SeccompArgumentTest.AnyBitSet, SetIdBits, SeccompAction.Errno(EPERM))]);

    private static SeccompArgumentCheck[] EqualToAny(int argument, uint[] values, SeccompAction action)
    {
        var checks = new SeccompArgumentCheck[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            checks[i] = new SeccompArgumentCheck(argument, SeccompArgumentTest.Equal, values[i], action);
        }

        return checks;
    }
}
