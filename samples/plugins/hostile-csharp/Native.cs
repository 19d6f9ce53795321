using System.ComponentModel;
using System.Runtime.InteropServices;

// The plugin runs in a Linux worker only (its attacks are Linux system calls).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Samples.Hostile;

// The libc calls the escapes need; a plugin is free to P/Invoke, which is why only the kernel can stop it.
internal static partial class Native
{
    public const int SigTerm = 15;
    public const int RlimitNofile = 7;
    public const int CloneNewUser = 0x10000000;
    public const int PtraceAttach = 16;
    public const int PtraceDetach = 17;
    public const int WAll = 0x40000000;

    public const int AfUnix = 1;
    public const int SockStream = 1;
    public const int SockDgram = 2;
    public const int SockCloexec = 0x80000;
    public const int AtFdCwd = -100;
    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OCloexec = 0x80000;
    public const int IpcPrivate = 0;
    public const int IpcCreat = 0x200;
    public const int IpcRmid = 0;

    // x86_64 system call numbers (asm/unistd_64.h); raw calls so libc wrappers cannot hide one.
    public const long SysSendto = 44;
    public const long SysSocketpair = 53;
    public const long SysSetuid = 105;
    public const long SysSetpriority = 141;
    public const long SysGetpriority = 140;
    public const long SysSchedSetparam = 142;
    public const long SysSchedGetparam = 143;
    public const long SysSchedSetscheduler = 144;
    public const long SysSchedGetscheduler = 145;
    public const long SysMlockall = 151;
    public const long SysMunlockall = 152;
    public const long SysPrctl = 157;
    public const long SysSettimeofday = 164;
    public const long SysReboot = 169;
    public const long SysSethostname = 170;
    public const long SysIopl = 172;
    public const long SysShmget = 29;
    public const long SysShmctl = 31;
    public const long SysSemget = 64;
    public const long SysSemctl = 66;
    public const long SysMsgget = 68;
    public const long SysMsgctl = 71;
    public const long SysChmod = 90;
    public const long SysMknod = 133;
    public const long SysSyslog = 103;
    public const long SysCapget = 125;
    public const long SysSchedSetaffinity = 203;
    public const long SysSchedGetaffinity = 204;
    public const long SysMqOpen = 240;
    public const long SysMqUnlink = 241;
    public const long SysAddKey = 248;
    public const long SysKeyctl = 250;
    public const long SysIoprioSet = 251;
    public const long SysIoprioGet = 252;
    public const long SysInotifyAddWatch = 254;
    public const long SysOpenat = 257;
    public const long SysFchmodat = 268;
    public const long SysInotifyInit1 = 294;
    public const long SysPerfEventOpen = 298;
    public const long SysFanotifyInit = 300;
    public const long SysFanotifyMark = 301;
    public const long SysPrlimit64 = 302;
    public const long SysNameToHandleAt = 303;
    public const long SysProcessVmReadv = 310;
    public const long SysKcmp = 312;
    public const long SysBpf = 321;
    public const long SysUserfaultfd = 323;
    public const long SysIoUringSetup = 425;
    public const long SysOpenTree = 428;
    public const long SysFsopen = 430;
    public const long SysPidfdOpen = 434;
    public const long SysOpenat2 = 437;
    public const long SysPidfdGetfd = 438;
    public const long SysPidfdSendSignal = 424;

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int GetParentProcessId();

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetProcessId();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetResourceLimit(int resource, out ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetResourceLimit(int resource, in ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "ptrace", SetLastError = true)]
    public static partial long Ptrace(long request, int pid, nint address, nint data);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    public static void Close(int fd) => _ = CloseDescriptor(fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseDescriptor(int fd);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    // glibc's syscall(2) is variadic, but on x86_64 integer arguments travel in the same registers
    // either way and the wrapper only moves them, so a fixed six-argument signature is exact.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    public static long Call(long number, nint a1 = 0, nint a2 = 0, nint a3 = 0, nint a4 = 0, nint a5 = 0, nint a6 = 0) =>
        Syscall(number, a1, a2, a3, a4, a5, a6);

    /// <summary>Runs a raw call and throws with its errno when it fails.</summary>
    public static long Checked(string call, long number, nint a1 = 0, nint a2 = 0, nint a3 = 0, nint a4 = 0, nint a5 = 0, nint a6 = 0)
    {
        var result = Syscall(number, a1, a2, a3, a4, a5, a6);
        Check(result, call);
        return result;
    }

    public static void Check(long result, string call)
    {
        if (result < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"{call} failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }

    /// <summary>A C string on the unmanaged heap, freed on dispose.</summary>
    public sealed class CString : IDisposable
    {
        public CString(string value) => Pointer = Marshal.StringToCoTaskMemUTF8(value);

        public nint Pointer { get; }

        public static implicit operator nint(CString value) => value.Pointer;

        public void Dispose() => Marshal.FreeCoTaskMem(Pointer);
    }

    /// <summary>A zeroed unmanaged buffer, freed on dispose.</summary>
    public sealed class Buffer : IDisposable
    {
        public Buffer(int size)
        {
            Size = size;
            Pointer = Marshal.AllocHGlobal(size);
            unsafe
            {
                new Span<byte>((void*)Pointer, size).Clear();
            }
        }

        public nint Pointer { get; }

        public int Size { get; }

        public static implicit operator nint(Buffer value) => value.Pointer;

        public unsafe Span<byte> Span => new((void*)Pointer, Size);

        public void Dispose() => Marshal.FreeHGlobal(Pointer);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
