using Stockade.Hosting;

namespace Stockade.Cli.Infrastructure;

/// <summary>Maps the host's exceptions to the CLI's exit codes and stable error codes, in one place.</summary>
internal static class PluginErrorMapping
{
    public static int ExitCode(PluginException ex) => ex switch
    {
        PluginRefusedException { IsIntegrityFailure: true } => ExitCodes.IntegrityFailure,
        PluginRefusedException => ExitCodes.PluginRefused,
        PluginPermissionDeniedException => ExitCodes.PermissionDenied,
        PluginTimeoutException => ExitCodes.Timeout,
        PluginKilledException => ExitCodes.ResourceKilled,
        LevelNotEnforceableException => ExitCodes.LevelNotEnforceable,
        PluginNotFoundException => ExitCodes.UsageOrNotFound,
        _ => ExitCodes.PluginFailed,
    };

    public static string ErrorCode(PluginException ex) => ex switch
    {
        PluginRefusedException { IsIntegrityFailure: true } => "integrity_failure",
        PluginRefusedException => "plugin_refused",
        PluginPermissionDeniedException => "permission_denied",
        PluginTimeoutException => "timeout",
        PluginKilledException => "killed",
        LevelNotEnforceableException => "level_not_enforceable",
        PluginNotFoundException => "not_found",
        PluginFailedException { Kind: PluginFailureKind.ProtocolViolation } => "protocol_violation",
        PluginFailedException { Kind: PluginFailureKind.Crashed } => "crashed",
        _ => "plugin_failed",
    };

    /// <summary>Writes the failure for a person: the message, every problem, the worker's last words, the next step.</summary>
    public static void WriteHuman(CliConsole console, PluginException ex)
    {
        console.Error.WriteLine($"stockade: {ex.Message}");
        switch (ex)
        {
            case PluginRefusedException refused:
                foreach (var problem in refused.Problems)
                {
                    console.Error.WriteLine($"  {problem}");
                }

                break;
            case LevelNotEnforceableException level:
                foreach (var missing in level.Missing)
                {
                    console.Error.WriteLine($"  missing: {missing}");
                }

                break;
            case PluginFailedException failed:
                if (failed.RemoteType is not null)
                {
                    console.Error.WriteLine($"  plugin exception: {failed.RemoteType}");
                }

                // The first lines say why (FailFast message, unhandled exception); the rest is stack.
                foreach (var line in failed.WorkerOutput.Take(4))
                {
                    console.Error.WriteLine($"  worker: {line}");
                }

                break;
            case PluginPermissionDeniedException denied when denied.GrantCommand is not null:
                console.Error.WriteLine($"  permission that would allow it: {denied.Permission}");
                console.Error.WriteLine($"  to allow it: {denied.GrantCommand}");
                break;
        }

        if (ex.NextStep is not null)
        {
            console.Error.WriteLine($"  next: {ex.NextStep}");
        }
    }
}
