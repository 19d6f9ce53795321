using System.Runtime.InteropServices;
using Stockade.Linux.Landlock;
using Stockade.Linux.Rlimits;
using Stockade.Linux.Seccomp;
using Stockade.Linux.Tests.Infrastructure;
using static Stockade.Linux.Interop;

namespace Stockade.Linux.Tests.KernelAbi;

/// <summary>
/// Compares every struct layout, constant and syscall number Stockade declares with what gcc and the
/// installed headers say. The uapi headers here are from Linux 6.1, so the newer Landlock fields (net, scoped)
/// are declared as local C structs with the kernel's documented layout.
/// </summary>
public sealed class KernelAbiLayoutTests
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <stddef.h>
        #include <stdint.h>
        #include <fcntl.h>
        #include <signal.h>
        #include <sched.h>
        #include <sys/syscall.h>
        #include <sys/prctl.h>
        #include <sys/resource.h>
        #include <sys/socket.h>
        #include <netinet/in.h>
        #include <linux/filter.h>
        #include <linux/seccomp.h>
        #include <linux/audit.h>
        #include <linux/landlock.h>
        #include <linux/close_range.h>

        struct ruleset_attr_abi6 { uint64_t handled_access_fs, handled_access_net, scoped; };
        struct net_port_attr { uint64_t allowed_access; uint64_t port; };
        #define P(name, value) printf("%s=%lld\n", name, (long long)(value))

        int main(void) {
          P("sizeof(landlock_ruleset_attr)", sizeof(struct ruleset_attr_abi6));
          P("sizeof(landlock_ruleset_attr abi1)", sizeof(struct landlock_ruleset_attr));
          P("offsetof(landlock_ruleset_attr.handled_access_net)", offsetof(struct ruleset_attr_abi6, handled_access_net));
          P("offsetof(landlock_ruleset_attr.scoped)", offsetof(struct ruleset_attr_abi6, scoped));
          P("sizeof(landlock_path_beneath_attr)", sizeof(struct landlock_path_beneath_attr));
          P("offsetof(landlock_path_beneath_attr.parent_fd)", offsetof(struct landlock_path_beneath_attr, parent_fd));
          P("sizeof(landlock_net_port_attr)", sizeof(struct net_port_attr));
          P("offsetof(landlock_net_port_attr.port)", offsetof(struct net_port_attr, port));
          P("sizeof(sock_filter)", sizeof(struct sock_filter));
          P("offsetof(sock_filter.jt)", offsetof(struct sock_filter, jt));
          P("offsetof(sock_filter.jf)", offsetof(struct sock_filter, jf));
          P("offsetof(sock_filter.k)", offsetof(struct sock_filter, k));
          P("sizeof(sock_fprog)", sizeof(struct sock_fprog));
          P("offsetof(sock_fprog.filter)", offsetof(struct sock_fprog, filter));
          P("sizeof(rlimit)", sizeof(struct rlimit));
          P("offsetof(rlimit.rlim_max)", offsetof(struct rlimit, rlim_max));
          P("sizeof(sockaddr_in)", sizeof(struct sockaddr_in));
          P("offsetof(seccomp_data.arch)", offsetof(struct seccomp_data, arch));
          P("offsetof(seccomp_data.args)", offsetof(struct seccomp_data, args));
          P("SYS_socket", SYS_socket); P("SYS_connect", SYS_connect); P("SYS_clone", SYS_clone);
          P("SYS_fork", SYS_fork); P("SYS_vfork", SYS_vfork); P("SYS_execve", SYS_execve); P("SYS_kill", SYS_kill);
          P("SYS_ptrace", SYS_ptrace); P("SYS_pivot_root", SYS_pivot_root); P("SYS_chroot", SYS_chroot);
          P("SYS_mount", SYS_mount); P("SYS_umount2", SYS_umount2); P("SYS_init_module", SYS_init_module);
          P("SYS_delete_module", SYS_delete_module); P("SYS_kexec_load", SYS_kexec_load); P("SYS_add_key", SYS_add_key);
          P("SYS_request_key", SYS_request_key); P("SYS_keyctl", SYS_keyctl); P("SYS_unshare", SYS_unshare);
          P("SYS_perf_event_open", SYS_perf_event_open); P("SYS_open_by_handle_at", SYS_open_by_handle_at);
          P("SYS_setns", SYS_setns); P("SYS_process_vm_readv", SYS_process_vm_readv);
          P("SYS_process_vm_writev", SYS_process_vm_writev); P("SYS_finit_module", SYS_finit_module);
          P("SYS_seccomp", SYS_seccomp); P("SYS_kexec_file_load", SYS_kexec_file_load); P("SYS_bpf", SYS_bpf);
          P("SYS_execveat", SYS_execveat); P("SYS_userfaultfd", SYS_userfaultfd); P("SYS_io_uring_setup", SYS_io_uring_setup);
          P("SYS_io_uring_enter", SYS_io_uring_enter); P("SYS_io_uring_register", SYS_io_uring_register);
          P("SYS_clone3", SYS_clone3); P("SYS_close_range", SYS_close_range);
          P("SYS_landlock_create_ruleset", SYS_landlock_create_ruleset); P("SYS_landlock_add_rule", SYS_landlock_add_rule);
          P("SYS_landlock_restrict_self", SYS_landlock_restrict_self);
          P("PR_SET_PDEATHSIG", PR_SET_PDEATHSIG); P("PR_GET_PDEATHSIG", PR_GET_PDEATHSIG); P("PR_GET_SECCOMP", PR_GET_SECCOMP);
          P("PR_SET_NO_NEW_PRIVS", PR_SET_NO_NEW_PRIVS); P("PR_GET_NO_NEW_PRIVS", PR_GET_NO_NEW_PRIVS);
          P("CLOSE_RANGE_CLOEXEC", CLOSE_RANGE_CLOEXEC);
          P("SECCOMP_SET_MODE_FILTER", SECCOMP_SET_MODE_FILTER); P("SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC);
          P("SECCOMP_RET_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS); P("SECCOMP_RET_ERRNO", SECCOMP_RET_ERRNO);
          P("SECCOMP_RET_ALLOW", SECCOMP_RET_ALLOW); P("AUDIT_ARCH_X86_64", AUDIT_ARCH_X86_64);
          P("BPF_LD|BPF_W|BPF_ABS", BPF_LD | BPF_W | BPF_ABS); P("BPF_JMP|BPF_JEQ|BPF_K", BPF_JMP | BPF_JEQ | BPF_K);
          P("BPF_JMP|BPF_JGE|BPF_K", BPF_JMP | BPF_JGE | BPF_K); P("BPF_JMP|BPF_JSET|BPF_K", BPF_JMP | BPF_JSET | BPF_K);
          P("BPF_RET|BPF_K", BPF_RET | BPF_K);
          P("LANDLOCK_CREATE_RULESET_VERSION", LANDLOCK_CREATE_RULESET_VERSION);
          P("LANDLOCK_CREATE_RULESET_ERRATA", LANDLOCK_CREATE_RULESET_ERRATA);
          P("LANDLOCK_RULE_PATH_BENEATH", LANDLOCK_RULE_PATH_BENEATH);
          P("LANDLOCK_ACCESS_FS_EXECUTE", LANDLOCK_ACCESS_FS_EXECUTE); P("LANDLOCK_ACCESS_FS_READ_DIR", LANDLOCK_ACCESS_FS_READ_DIR);
          P("LANDLOCK_ACCESS_FS_MAKE_SYM", LANDLOCK_ACCESS_FS_MAKE_SYM); P("LANDLOCK_ACCESS_FS_REFER", LANDLOCK_ACCESS_FS_REFER);
          P("O_PATH", O_PATH); P("O_CLOEXEC", O_CLOEXEC); P("O_CREAT", O_CREAT); P("O_EXCL", O_EXCL); P("O_WRONLY", O_WRONLY);
          P("O_DIRECTORY", O_DIRECTORY); P("F_GETFD", F_GETFD); P("F_SETFD", F_SETFD); P("FD_CLOEXEC", FD_CLOEXEC);
          P("SIGXFSZ", SIGXFSZ); P("SIGKILL", SIGKILL); P("AF_UNIX", AF_UNIX); P("AF_INET", AF_INET); P("SOCK_STREAM", SOCK_STREAM); P("SOCK_CLOEXEC", SOCK_CLOEXEC);
          P("RLIMIT_CPU", RLIMIT_CPU); P("RLIMIT_FSIZE", RLIMIT_FSIZE); P("RLIMIT_DATA", RLIMIT_DATA); P("RLIMIT_CORE", RLIMIT_CORE);
          P("RLIMIT_NPROC", RLIMIT_NPROC); P("RLIMIT_NOFILE", RLIMIT_NOFILE); P("RLIM_INFINITY", RLIM_INFINITY);
          P("CLONE_NEW*", CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET);
          P("CLONE_THREAD", CLONE_THREAD);
          return 0;
        }
        """;

    private static readonly Lazy<Dictionary<string, string>> CValues = new(() =>
    {
        string directory = Directory.CreateTempSubdirectory("stockade-abi-").FullName;
        string program = NativeProgram.Compile(Source, Path.Combine(directory, "abi"));
        ProcessResult result = NativeProgram.Run(program, []);
        result.ExitCode.ShouldBe(0);
        return result.Values();
    });

    public static TheoryData<string, long> Declared => new()
    {
        { "sizeof(landlock_ruleset_attr)", Marshal.SizeOf<landlock_ruleset_attr>() },
        { "sizeof(landlock_ruleset_attr abi1)", (long)RulesetAttrSizeFor(1) },
        { "offsetof(landlock_ruleset_attr.handled_access_net)", Marshal.OffsetOf<landlock_ruleset_attr>(nameof(landlock_ruleset_attr.handled_access_net)) },
        { "offsetof(landlock_ruleset_attr.scoped)", Marshal.OffsetOf<landlock_ruleset_attr>(nameof(landlock_ruleset_attr.scoped)) },
        { "sizeof(landlock_path_beneath_attr)", Marshal.SizeOf<landlock_path_beneath_attr>() },
        { "offsetof(landlock_path_beneath_attr.parent_fd)", Marshal.OffsetOf<landlock_path_beneath_attr>(nameof(landlock_path_beneath_attr.parent_fd)) },
        { "sizeof(landlock_net_port_attr)", Marshal.SizeOf<landlock_net_port_attr>() },
        { "offsetof(landlock_net_port_attr.port)", Marshal.OffsetOf<landlock_net_port_attr>(nameof(landlock_net_port_attr.port)) },
        { "sizeof(sock_filter)", Marshal.SizeOf<sock_filter>() },
        { "offsetof(sock_filter.jt)", Marshal.OffsetOf<sock_filter>(nameof(sock_filter.jt)) },
        { "offsetof(sock_filter.jf)", Marshal.OffsetOf<sock_filter>(nameof(sock_filter.jf)) },
        { "offsetof(sock_filter.k)", Marshal.OffsetOf<sock_filter>(nameof(sock_filter.k)) },
        { "sizeof(sock_fprog)", Marshal.SizeOf<sock_fprog>() },
        { "offsetof(sock_fprog.filter)", Marshal.OffsetOf<sock_fprog>(nameof(sock_fprog.filter)) },
        { "sizeof(rlimit)", Marshal.SizeOf<rlimit>() },
        { "offsetof(rlimit.rlim_max)", Marshal.OffsetOf<rlimit>(nameof(rlimit.rlim_max)) },
        { "sizeof(sockaddr_in)", Marshal.SizeOf<sockaddr_in>() },
        { "offsetof(seccomp_data.arch)", SECCOMP_DATA_ARCH },
        { "offsetof(seccomp_data.args)", SECCOMP_DATA_ARGS },
        { "SYS_socket", SyscallNumbers.socket }, { "SYS_connect", SyscallNumbers.connect }, { "SYS_clone", SyscallNumbers.clone },
        { "SYS_fork", SyscallNumbers.fork }, { "SYS_vfork", SyscallNumbers.vfork }, { "SYS_execve", SyscallNumbers.execve },
        { "SYS_kill", SyscallNumbers.kill }, { "SYS_ptrace", SyscallNumbers.ptrace }, { "SYS_pivot_root", SyscallNumbers.pivot_root },
        { "SYS_chroot", SyscallNumbers.chroot }, { "SYS_mount", SyscallNumbers.mount }, { "SYS_umount2", SyscallNumbers.umount2 },
        { "SYS_init_module", SyscallNumbers.init_module }, { "SYS_delete_module", SyscallNumbers.delete_module },
        { "SYS_kexec_load", SyscallNumbers.kexec_load }, { "SYS_add_key", SyscallNumbers.add_key },
        { "SYS_request_key", SyscallNumbers.request_key }, { "SYS_keyctl", SyscallNumbers.keyctl }, { "SYS_unshare", SyscallNumbers.unshare },
        { "SYS_perf_event_open", SyscallNumbers.perf_event_open }, { "SYS_open_by_handle_at", SyscallNumbers.open_by_handle_at },
        { "SYS_setns", SyscallNumbers.setns }, { "SYS_process_vm_readv", SyscallNumbers.process_vm_readv },
        { "SYS_process_vm_writev", SyscallNumbers.process_vm_writev }, { "SYS_finit_module", SyscallNumbers.finit_module },
        { "SYS_seccomp", SyscallNumbers.seccomp }, { "SYS_kexec_file_load", SyscallNumbers.kexec_file_load },
        { "SYS_bpf", SyscallNumbers.bpf }, { "SYS_execveat", SyscallNumbers.execveat }, { "SYS_userfaultfd", SyscallNumbers.userfaultfd },
        { "SYS_io_uring_setup", SyscallNumbers.io_uring_setup }, { "SYS_io_uring_enter", SyscallNumbers.io_uring_enter },
        { "SYS_io_uring_register", SyscallNumbers.io_uring_register }, { "SYS_clone3", SyscallNumbers.clone3 },
        { "SYS_close_range", SyscallNumbers.close_range },
        { "SYS_landlock_create_ruleset", SyscallNumbers.landlock_create_ruleset },
        { "SYS_landlock_add_rule", SyscallNumbers.landlock_add_rule },
        { "SYS_landlock_restrict_self", SyscallNumbers.landlock_restrict_self },
        { "PR_SET_PDEATHSIG", PR_SET_PDEATHSIG }, { "PR_GET_PDEATHSIG", PR_GET_PDEATHSIG }, { "PR_GET_SECCOMP", PR_GET_SECCOMP },
        { "PR_SET_NO_NEW_PRIVS", PR_SET_NO_NEW_PRIVS }, { "PR_GET_NO_NEW_PRIVS", PR_GET_NO_NEW_PRIVS },
        { "CLOSE_RANGE_CLOEXEC", CLOSE_RANGE_CLOEXEC },
        { "SECCOMP_SET_MODE_FILTER", SECCOMP_SET_MODE_FILTER }, { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
        { "SECCOMP_RET_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS }, { "SECCOMP_RET_ERRNO", SECCOMP_RET_ERRNO },
        { "SECCOMP_RET_ALLOW", SECCOMP_RET_ALLOW }, { "AUDIT_ARCH_X86_64", AUDIT_ARCH_X86_64 },
        { "BPF_LD|BPF_W|BPF_ABS", BPF_LD | BPF_W | BPF_ABS }, { "BPF_JMP|BPF_JEQ|BPF_K", BPF_JMP | BPF_JEQ | BPF_K },
        { "BPF_JMP|BPF_JGE|BPF_K", BPF_JMP | BPF_JGE | BPF_K }, { "BPF_JMP|BPF_JSET|BPF_K", BPF_JMP | BPF_JSET | BPF_K },
        { "BPF_RET|BPF_K", BPF_RET | BPF_K },
        { "LANDLOCK_CREATE_RULESET_VERSION", LANDLOCK_CREATE_RULESET_VERSION },
        { "LANDLOCK_CREATE_RULESET_ERRATA", LANDLOCK_CREATE_RULESET_ERRATA },
        { "LANDLOCK_RULE_PATH_BENEATH", LANDLOCK_RULE_PATH_BENEATH },
        { "LANDLOCK_ACCESS_FS_EXECUTE", (long)LandlockFsAccess.Execute }, { "LANDLOCK_ACCESS_FS_READ_DIR", (long)LandlockFsAccess.ReadDir },
        { "LANDLOCK_ACCESS_FS_MAKE_SYM", (long)LandlockFsAccess.MakeSym }, { "LANDLOCK_ACCESS_FS_REFER", (long)LandlockFsAccess.Refer },
        { "O_PATH", O_PATH }, { "O_CLOEXEC", O_CLOEXEC }, { "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL }, { "O_WRONLY", O_WRONLY },
        { "O_DIRECTORY", O_DIRECTORY }, { "F_GETFD", F_GETFD }, { "F_SETFD", F_SETFD }, { "FD_CLOEXEC", FD_CLOEXEC },
        { "SIGXFSZ", SIGXFSZ }, { "SIGKILL", SIGKILL }, { "AF_UNIX", AF_UNIX }, { "AF_INET", AF_INET }, { "SOCK_STREAM", SOCK_STREAM }, { "SOCK_CLOEXEC", SOCK_CLOEXEC },
        { "RLIMIT_CPU", (long)RlimitResource.Cpu }, { "RLIMIT_FSIZE", (long)RlimitResource.FileSize },
        { "RLIMIT_DATA", (long)RlimitResource.Data }, { "RLIMIT_CORE", (long)RlimitResource.Core },
        { "RLIMIT_NPROC", (long)RlimitResource.Processes }, { "RLIMIT_NOFILE", (long)RlimitResource.OpenFiles },
        { "RLIM_INFINITY", unchecked((long)RLIM_INFINITY) },
        { "CLONE_NEW*", WorkerSeccompPolicy.CloneNewFlags }, { "CLONE_THREAD", WorkerSeccompPolicy.CloneThread },
    };

    [GccTheory]
    [MemberData(nameof(Declared))]
    public void Declaration_ComparedWithCompiledC_IsEqual(string name, long declared) =>
        long.Parse(CValues.Value[name], System.Globalization.CultureInfo.InvariantCulture).ShouldBe(declared, name);
}
