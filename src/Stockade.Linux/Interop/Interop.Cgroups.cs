using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const int W_OK = 2;

    [LibraryImport(Libc, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int access(string path, int mode);
}
