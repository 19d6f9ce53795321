namespace Stockade.Linux.Launch;

/// <summary>
/// Exit codes of <c>stockade-launcher</c> when it refuses or fails before <c>execve</c>, taken from the one table
/// <see cref="SandboxExitCodes"/>. After a successful exec the exit code is the target's own. Both are written with a
/// one-line reason on stderr, prefixed <c>stockade-launcher: </c>.
/// </summary>
public static class LauncherExitCodes
{
    /// <summary>Setup failed (bad spec, cgroup join, user switch, rlimit, exec...): nothing was run (EX_SOFTWARE).</summary>
    public const int SetupFailure = SandboxExitCodes.LauncherSetupFailure;

    /// <summary>The requested confinement cannot be enforced by this kernel (Landlock required but absent or partial).</summary>
    public const int ConfinementUnavailable = SandboxExitCodes.LauncherConfinementUnavailable;
}
