using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    /// <summary>Returns a listener descriptor for the filter's <c>SECCOMP_RET_USER_NOTIF</c> (Linux 5.0), created close-on-exec.</summary>
    internal const uint SECCOMP_FILTER_FLAG_NEW_LISTENER = 1u << 3;

    /// <summary>With TSYNC, a thread that cannot be synchronised is -ESRCH instead of its id, so TSYNC and NEW_LISTENER combine (Linux 5.7).</summary>
    internal const uint SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1u << 4;

    internal const uint SECCOMP_RET_USER_NOTIF = 0x7fc00000;

    // _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp), _IOW('!', 2, __u64) (linux/seccomp.h).
    internal const uint SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100;
    internal const uint SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;
    internal const uint SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102;

    /// <summary>seccomp_notif_resp.flags: let the kernel run the suspended call as it was made (linux/seccomp.h).</summary>
    internal const uint SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;

    internal const int SOCK_SEQPACKET = 5;
    internal const int SOL_SOCKET = 1;
    internal const int SCM_RIGHTS = 1;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_CMSG_CLOEXEC = 0x40000000;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_CTRUNC = 0x8;

    internal const short POLLIN = 0x1;
    internal const short POLLERR = 0x8;
    internal const short POLLHUP = 0x10;
    internal const short POLLNVAL = 0x20;

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    internal const int EAGAIN = 11;

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct seccomp_data
    {
        public int nr;
        public uint arch;
        public ulong instruction_pointer;
        public fixed ulong args[6];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct seccomp_notif
    {
        public ulong id;
        public uint pid;
        public uint flags;
        public seccomp_data data;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct seccomp_notif_resp
    {
        public ulong id;
        public long val;
        public int error;
        public uint flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct iovec
    {
        public void* iov_base;
        public nuint iov_len;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct msghdr
    {
        public void* msg_name;
        public uint msg_namelen;
        public iovec* msg_iov;
        public nuint msg_iovlen;
        public void* msg_control;
        public nuint msg_controllen;
        public int msg_flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct cmsghdr
    {
        public nuint cmsg_len;
        public int cmsg_level;
        public int cmsg_type;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct pollfd
    {
        public int fd;
        public short events;
        public short revents;
    }

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial nint sendmsg(int fd, msghdr* message, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial nint recvmsg(int fd, msghdr* message, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial int poll(pollfd* fds, nuint count, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int eventfd(uint initial, int flags);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint read(int fd, void* buffer, nuint count);
}
