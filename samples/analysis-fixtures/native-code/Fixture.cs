using System.Runtime.InteropServices;

namespace Fixture.NativeCode;

public static partial class Native
{
    public static int Run() => getpid();

    [DllImport("libc", EntryPoint = "getpid")]
#pragma warning disable SYSLIB1054 // The fixture needs a classic DllImport, i.e. a pinvokeimpl method.
    private static extern int getpid();
#pragma warning restore SYSLIB1054
}
