using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int lchown(string path, uint owner, uint group);
}
