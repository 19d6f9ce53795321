using System.ComponentModel;
using System.Runtime.InteropServices;

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

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int GetParentProcessId();

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

    public static void Check(long result, string call)
    {
        if (result < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"{call} failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
