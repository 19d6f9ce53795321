namespace Stockade.Cli.Infrastructure;

/// <summary>The stable exit codes of DESIGN §10; scripts rely on them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int UsageOrNotFound = 1;
    public const int PluginRefused = 2;
    public const int PermissionDenied = 3;
    public const int Timeout = 4;
    public const int ResourceKilled = 5;
    public const int PluginFailed = 6;
    public const int LevelNotEnforceable = 7;
    public const int IntegrityFailure = 8;
}
