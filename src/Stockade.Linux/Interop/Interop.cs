using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Stockade.Linux;

/// <summary>The one door to the kernel: every P/Invoke of Stockade lives in this class, one file per family.</summary>
internal static partial class Interop
{
    private const string Libc = "libc";

    /// <summary>Turns a failed call (-1 with errno) into an exception; the only place that does so.</summary>
    internal static int Check(int result, string call)
    {
        if (result < 0)
        {
            throw ErrorFor(call);
        }

        return result;
    }

    /// <inheritdoc cref="Check(int, string)"/>
    internal static long Check(long result, string call)
    {
        if (result < 0)
        {
            throw ErrorFor(call);
        }

        return result;
    }

    /// <summary>The errno of the last P/Invoke made with <c>SetLastError = true</c>.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    private static Win32Exception ErrorFor(string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new Win32Exception(errno, $"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    /// <summary>x86_64 system call numbers used through the raw <c>syscall</c> entry point or in seccomp rules.</summary>
    internal static class SyscallNumbers
    {
        internal const int socket = 41;
        internal const int connect = 42;
        internal const int clone = 56;
        internal const int fork = 57;
        internal const int vfork = 58;
        internal const int execve = 59;
        internal const int kill = 62;
        internal const int ptrace = 101;
        internal const int pivot_root = 155;
        internal const int chroot = 161;
        internal const int mount = 165;
        internal const int umount2 = 166;
        internal const int init_module = 175;
        internal const int delete_module = 176;
        internal const int kexec_load = 246;
        internal const int add_key = 248;
        internal const int request_key = 249;
        internal const int keyctl = 250;
        internal const int unshare = 272;
        internal const int perf_event_open = 298;
        internal const int open_by_handle_at = 304;
        internal const int setns = 308;
        internal const int process_vm_readv = 310;
        internal const int process_vm_writev = 311;
        internal const int finit_module = 313;
        internal const int seccomp = 317;
        internal const int kexec_file_load = 320;
        internal const int bpf = 321;
        internal const int execveat = 322;
        internal const int userfaultfd = 323;
        internal const int io_uring_setup = 425;
        internal const int io_uring_enter = 426;
        internal const int io_uring_register = 427;
        internal const int clone3 = 435;
        internal const int close_range = 436;
        internal const int landlock_create_ruleset = 444;
        internal const int landlock_add_rule = 445;
        internal const int landlock_restrict_self = 446;
    }

    // glibc's syscall(2) is a register shuffle in assembly that never reads a va_list of floats,
    // so declaring the variadic entry point with six fixed integer arguments is sound on x86_64.
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long RawSyscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    internal static long Syscall(long number, nint a1 = 0, nint a2 = 0, nint a3 = 0, nint a4 = 0) =>
        RawSyscall(number, a1, a2, a3, a4, 0, 0);
}
