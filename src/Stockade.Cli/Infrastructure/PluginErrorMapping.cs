using Stockade.Cli.Rendering;
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
        PluginFailedException { Kind: PluginFailureKind.StoppedByHost } => "stopped_by_host",
        _ => "plugin_failed",
    };

    /// <summary>
    /// The worker's last words, at most five lines: the first ones say why (.NET's unhandled exception, a FailFast
    /// message), and the final one too (Python's exception comes after its traceback), so neither is ever cut off.
    /// </summary>
    internal static IReadOnlyList<string> WorkerLines(IReadOnlyList<string> output) =>
        output.Count <= 5 ? output : [.. output.Take(3), $"… {output.Count - 4} more lines …", output[^1]];

    /// <summary>
    /// Writes the failure for a person: the message, every problem, the worker's last words, the next
    /// step. Every field may carry plugin text (its exception message and type, its stderr, manifest
    /// values, method names), so each is one sanitised line; the only <c>stockade grant</c> line is the
    /// one the host built from the permission it refused itself.
    /// </summary>
    public static void WriteHuman(CliConsole console, PluginException ex, DenialAdvice? advice = null)
    {
        var error = console.Error;
        error.WriteLine($"stockade: {TerminalText.Line(ex.Message)}");
        switch (ex)
        {
            case PluginRefusedException refused:
                foreach (var problem in refused.Problems)
                {
                    error.WriteLine($"  {TerminalText.Line(problem)}");
                }

                break;
            case LevelNotEnforceableException level:
                foreach (var missing in level.Missing)
                {
                    error.WriteLine($"  missing: {TerminalText.Line(missing)}");
                }

                break;
            case PluginFailedException failed:
                if (failed.RemoteType is not null)
                {
                    error.WriteLine($"  plugin exception: {TerminalText.Line(failed.RemoteType, 200)}");
                }

                foreach (var line in WorkerLines(failed.WorkerOutput))
                {
                    error.WriteLine($"  worker: {TerminalText.Line(line)}");
                }

                break;
            case PluginKilledException killed:
                error.WriteLine($"  resource: {TerminalText.Line(killed.Resource)}");
                if (killed.Limit is not null)
                {
                    error.WriteLine($"  limit: {TerminalText.Line(killed.Limit)}");
                }

                if (killed.Observed is not null)
                {
                    error.WriteLine($"  observed: {TerminalText.Line(killed.Observed)}");
                }

                if (killed.KilledBy is not null)
                {
                    error.WriteLine($"  killed by: {TerminalText.Line(killed.KilledBy)}");
                }

                break;
            case PluginPermissionDeniedException when advice is not null:
                // Built by the CLI for the command that was run (DenialAdvice): it works where it is pasted.
                error.WriteLine($"  permission that would allow it: {TerminalText.Line(advice.Permission)}");
                if (advice.Command is not null)
                {
                    error.WriteLine($"  to allow it: {TerminalText.Line(advice.Command)}");
                }

                error.WriteLine($"  next: {TerminalText.Line(advice.Next)}");
                return;
            case PluginPermissionDeniedException denied when denied.GrantCommand is not null:
                error.WriteLine($"  permission that would allow it: {TerminalText.Line(denied.Permission)}");
                error.WriteLine($"  to allow it: {TerminalText.Line(denied.GrantCommand)}");
                break;
        }

        if (ex.NextStep is not null)
        {
            error.WriteLine($"  next: {TerminalText.Line(ex.NextStep)}");
        }
    }
}
