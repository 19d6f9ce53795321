using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const uint SECCOMP_SET_MODE_FILTER = 1;
    internal const uint SECCOMP_FILTER_FLAG_TSYNC = 1;

    internal const uint SECCOMP_RET_KILL_PROCESS = 0x80000000;
    internal const uint SECCOMP_RET_ERRNO = 0x00050000;
    internal const uint SECCOMP_RET_ALLOW = 0x7fff0000;
    internal const uint SECCOMP_RET_DATA = 0x0000ffff;

    internal const uint AUDIT_ARCH_X86_64 = 0xc000003e;
    internal const uint X32_SYSCALL_BIT = 0x40000000;

    // offsets inside struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
    internal const uint SECCOMP_DATA_NR = 0;
    internal const uint SECCOMP_DATA_ARCH = 4;
    internal const uint SECCOMP_DATA_ARGS = 16;

    // classic BPF opcodes (linux/bpf_common.h)
    internal const ushort BPF_LD = 0x00, BPF_JMP = 0x05, BPF_RET = 0x06;
    internal const ushort BPF_W = 0x00, BPF_ABS = 0x20, BPF_K = 0x00;
    internal const ushort BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGE = 0x30, BPF_JSET = 0x40;

    [StructLayout(LayoutKind.Sequential)]
    internal struct sock_filter
    {
        public ushort code;
        public byte jt;
        public byte jf;
        public uint k;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct sock_fprog
    {
        public ushort len;
        public sock_filter* filter;
    }

    internal static unsafe long seccomp(uint operation, uint flags, void* args) =>
        Syscall(SyscallNumbers.seccomp, (nint)operation, (nint)flags, (nint)args);
}
