using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const int AF_UNIX = 1;
    internal const int AF_INET = 2;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_in
    {
        public ushort sin_family;
        public ushort sin_port; // network byte order
        public uint sin_addr; // network byte order
        public ulong sin_zero;
    }

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketRaw(int domain, int type, int protocol);

    /// <summary>socket(2); the handle is invalid on failure and <see cref="LastErrno"/> says why.</summary>
    internal static SafeFdHandle socket(int domain, int type, int protocol) => new(SocketRaw(domain, type, protocol), ownsHandle: true);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int connect(SafeFdHandle fd, in sockaddr_in address, uint length);
}
