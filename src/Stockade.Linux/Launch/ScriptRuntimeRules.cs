using Stockade.Linux.Seccomp;

namespace Stockade.Linux.Launch;

/// <summary>
/// The read-only paths an interpreter needs under Landlock beyond <see cref="DotnetRuntimeRules.System"/> (loader,
/// shared libraries, procfs, devices, time zone) and its own executable (read + execute, added by the caller): one
/// runtime profile per <see cref="SeccompProfile"/>, so that each interpreter gets what it was measured to need and
/// nothing another one needs. Paths absent on this machine are left out by the caller.
/// </summary>
/// <remarks>
/// Measured on this machine (Landlock ABI 7, as root and as uid 65534, one rule removed at a time; docs/protocol.md,
/// "Runtime profiles"): Node 20 needs only <c>/etc/ssl/openssl.cnf</c> — without it, it exits 13 with "OpenSSL
/// configuration error" before running a line — and starts, reads its plugin folder, writes <c>$TEMP</c>, hashes and
/// runs timers with nothing else; its built-in modules are compiled in and a refused <c>package.json</c> above the
/// plugin folder is ignored. CPython 3.11 needs its standard library (<c>/usr/lib/python3.11</c>) and, for
/// distribution and pip packages, <c>/usr/lib/python3</c> and <c>/usr/local/lib</c>; it does not read the OpenSSL
/// configuration (hashlib and ssl load without it).
/// </remarks>
internal static class ScriptRuntimeRules
{
    // Python: its standard library and site packages (under /usr/lib and /usr/local/lib), Debian's python3 data and
    // configuration. Kept as wide as before this profile existed (the whole of /usr/lib), so no Python plugin breaks.
    private static readonly string[] Python = ["/usr/lib", "/usr/local/lib", "/usr/share/python3", "/etc/python3", "/etc/python3.11"];

    // Node.js refuses to start when it cannot read its OpenSSL configuration (exit 13); nothing else is needed.
    private static readonly string[] Node = ["/etc/ssl/openssl.cnf"];

    // Any other executable: the system's libraries beyond the multiarch folder.
    private static readonly string[] Native = ["/usr/lib", "/usr/local/lib"];

    /// <summary>The read-only paths of <paramref name="profile"/>'s runtime (none for <see cref="SeccompProfile.Dotnet"/>, which has <see cref="DotnetRuntimeRules"/>).</summary>
    public static IReadOnlyList<string> ReadOnlyPaths(SeccompProfile profile) => profile switch
    {
        SeccompProfile.Python => Python,
        SeccompProfile.Node => Node,
        SeccompProfile.Native => Native,

        // A NativeAOT .NET executable links only libc and libm (in the multiarch folder, which the system part holds) and
        // reads procfs and sysfs like the JIT runtime (the system part again): nothing of its own (measured, strace -f).
        SeccompProfile.NativeAot => [],
        _ => [],
    };
}
