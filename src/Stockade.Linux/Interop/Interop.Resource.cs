using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const ulong RLIM_INFINITY = ulong.MaxValue;

    [StructLayout(LayoutKind.Sequential)]
    internal struct rlimit
    {
        public ulong rlim_cur;
        public ulong rlim_max;
    }

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int setrlimit(int resource, in rlimit rlim);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int getrlimit(int resource, out rlimit rlim);
}
