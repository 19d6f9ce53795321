using Microsoft.Win32.SafeHandles;

namespace Stockade.Linux;

/// <summary>A Linux file descriptor; −1 is invalid (0 is a valid descriptor).</summary>
internal sealed class SafeFdHandle : SafeHandleMinusOneIsInvalid
{
    internal SafeFdHandle(int fd, bool ownsHandle)
        : base(ownsHandle) => SetHandle(fd);

    internal int Fd => (int)DangerousGetHandle();

    protected override bool ReleaseHandle() => Interop.close((int)handle) == 0;
}
