using Stockade.Linux.Seccomp;

namespace Stockade.Linux.Launch;

/// <summary>
/// The worker seccomp filter, installed by the launcher itself right before <c>execve</c> (after Landlock), for
/// targets that cannot install it themselves: executable plugins. The filter is the allow-list of
/// <see cref="Profile"/> (default EPERM: no sockets, no pid calls on other processes, no SysV IPC, no setuid bits...),
/// and without <see cref="AllowExec"/> it also denies fork, vfork, execveat and every <c>execve</c> but the
/// launcher's own. Before that exec the launcher runs the canary under the filter and refuses to exec if a probe
/// gets through.
/// </summary>
internal sealed class LaunchSeccomp
{
    /// <summary>Let the target start processes (exec, fork); namespaces stay forbidden either way. Default <see langword="false"/>.</summary>
    public bool AllowExec { get; set; }

    /// <summary>The runtime the target is (its allow-list). Default <see cref="SeccompProfile.Native"/>, the smallest.</summary>
    public SeccompProfile Profile { get; set; } = SeccompProfile.Native;

    /// <summary>
    /// A pathname Unix socket the host listens on, for the canary to try to connect to (it must be refused), or
    /// <see langword="null"/> to try only <c>socket(AF_UNIX)</c>.
    /// </summary>
    public string? CanarySocketPath { get; set; }

    /// <summary>The profile a plugin interpreter runs under, by the interpreter's file name (python3.11 → Python, node → Node).</summary>
    public static SeccompProfile ProfileFor(string? interpreter)
    {
        string name = Path.GetFileName(interpreter ?? string.Empty);
        return name.StartsWith("python", StringComparison.Ordinal) ? SeccompProfile.Python
            : name is "node" or "nodejs" ? SeccompProfile.Node
            : SeccompProfile.Native;
    }
}
