namespace Stockade.Core.Audit;

/// <summary>
/// The action names Stockade writes (DESIGN §9). Names are <c>noun.verb_in_past_or_state</c>,
/// lowercase, with <c>_</c> between words, so a prefix query such as <c>plugin.</c> or <c>permission.</c>
/// selects a family.
/// </summary>
public static class AuditActions
{
    /// <summary>An operator granted a permission.</summary>
    public const string PermissionGranted = "permission.granted";

    /// <summary>A permission check refused a request.</summary>
    public const string PermissionDenied = "permission.denied";

    /// <summary>An operator revoked a permission.</summary>
    public const string PermissionRevoked = "permission.revoked";

    /// <summary>A plugin asked at run time for one of its optional permissions.</summary>
    public const string PermissionRequested = "permission.requested";

    /// <summary>A file was read on behalf of a plugin.</summary>
    public const string FileRead = "file.read";

    /// <summary>A file was written on behalf of a plugin.</summary>
    public const string FileWrite = "file.write";

    /// <summary>A file was deleted on behalf of a plugin.</summary>
    public const string FileDelete = "file.delete";

    /// <summary>The broker performed an HTTP request for a plugin.</summary>
    public const string NetworkRequest = "network.request";

    /// <summary>A network request was refused (host pattern, resolved address or rate limit).</summary>
    public const string NetworkBlocked = "network.blocked";

    /// <summary>The kernel refused a system call (seccomp).</summary>
    public const string SyscallBlocked = "syscall.blocked";

    /// <summary>A plugin called a host service.</summary>
    public const string ServiceCall = "service.call";

    /// <summary>A host service call was refused.</summary>
    public const string ServiceBlocked = "service.blocked";

    /// <summary>A plugin was installed.</summary>
    public const string PluginInstalled = "plugin.installed";

    /// <summary>A plugin was uninstalled.</summary>
    public const string PluginUninstalled = "plugin.uninstalled";

    /// <summary>A plugin was enabled.</summary>
    public const string PluginEnabled = "plugin.enabled";

    /// <summary>A plugin was disabled.</summary>
    public const string PluginDisabled = "plugin.disabled";

    /// <summary>A plugin worker started.</summary>
    public const string PluginStarted = "plugin.started";

    /// <summary>A worker could not start (exited, killed, timed out, broke the protocol, or failed to launch); details give the cause.</summary>
    public const string PluginStartFailed = "plugin.start_failed";

    /// <summary>
    /// A worker process ended, whatever the reason (one record per worker): details <c>cause</c> (stopped, timeout,
    /// cancelled, protocol_violation, stream_ended, limit, killed, seccomp, signal, exit_code, launch), <c>by</c>,
    /// <c>pid</c>, <c>state</c>, <c>role</c>, and <c>signal</c>, <c>exitCode</c>, <c>limit</c>, <c>reason</c> where known.
    /// </summary>
    public const string WorkerExited = "worker.exited";

    /// <summary>A plugin worker stopped normally.</summary>
    public const string PluginStopped = "plugin.stopped";

    /// <summary>A plugin worker crashed or exited unexpectedly.</summary>
    public const string PluginCrashed = "plugin.crashed";

    /// <summary>The watchdog throttled a plugin worker.</summary>
    public const string PluginThrottled = "plugin.throttled";

    /// <summary>A plugin worker was killed (resource limit or abuse).</summary>
    public const string PluginKilled = "plugin.killed";

    /// <summary>A plugin call or initialisation ran past its wall-clock timeout.</summary>
    public const string PluginTimedOut = "plugin.timed_out";

    /// <summary>A plugin worker was restarted by the restart policy or after a revocation.</summary>
    public const string PluginRestarted = "plugin.restarted";

    /// <summary>Validation of a manifest or package produced a warning.</summary>
    public const string ValidationWarning = "validation.warning";

    /// <summary>A package signature was missing, invalid or from an untrusted key.</summary>
    public const string SignatureFailure = "signature.failure";

    /// <summary>A worker broke the protocol (malformed, oversize, unknown method, flood).</summary>
    public const string ProtocolViolation = "protocol.violation";

    /// <summary>A plugin ran at a weaker security level than requested, with the operator's consent.</summary>
    public const string LevelDowngrade = "level.downgrade";

    /// <summary>Every action above, for validation and completion.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        PermissionGranted, PermissionDenied, PermissionRevoked, PermissionRequested,
        FileRead, FileWrite, FileDelete,
        NetworkRequest, NetworkBlocked,
        SyscallBlocked,
        ServiceCall, ServiceBlocked,
        PluginInstalled, PluginUninstalled, PluginEnabled, PluginDisabled, PluginStarted, PluginStopped,
        PluginCrashed, PluginThrottled, PluginKilled, PluginTimedOut, PluginRestarted, PluginStartFailed, WorkerExited,
        ValidationWarning, SignatureFailure, ProtocolViolation, LevelDowngrade,
    ];
}
