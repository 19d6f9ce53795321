using System.Runtime.InteropServices;

namespace Stockade.Linux;

internal static partial class Interop
{
    internal const int SIGKILL = 9;
    internal const int SIGXFSZ = 25;
    internal static readonly nint SIG_IGN = 1;
    internal const int X_OK = 1;

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int execve(string path, byte** argv, byte** envp);

    // execv passes the process's own environ, which is exactly what the launcher must forward.
    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial int execv(byte* path, byte** argv);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial nint signal(int signum, nint handler);

    [LibraryImport(Libc)]
    internal static partial int getppid();

    [LibraryImport(Libc)]
    internal static partial int getpid();

    [LibraryImport(Libc)]
    internal static partial uint getuid();

    [LibraryImport(Libc)]
    internal static partial uint geteuid();

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int kill(int pid, int sig);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int setresuid(uint ruid, uint euid, uint suid);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int setresgid(uint rgid, uint egid, uint sgid);

    [LibraryImport(Libc, SetLastError = true)]
    internal static unsafe partial int setgroups(nuint size, uint* list);
}
