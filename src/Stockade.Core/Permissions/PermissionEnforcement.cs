namespace Stockade.Core.Permissions;

/// <summary>Who enforces a permission category (DESIGN §6, "enforced by").</summary>
public enum PermissionEnforcement
{
    /// <summary>The host's broker checks every call (network, config, database, hooks, host services).</summary>
    Broker,

    /// <summary>
    /// The kernel, through rules fixed when the worker starts (Landlock for files and executables, seccomp): the plugin
    /// uses plain system calls and nothing in the host sees them.
    /// </summary>
    Kernel,

    /// <summary>The worker's start: only granted environment variables are passed to it.</summary>
    WorkerStart,
}
