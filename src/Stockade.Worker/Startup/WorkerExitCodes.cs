namespace Stockade.Worker;

// Exit codes of the worker process (documented in docs/protocol.md).
internal static class WorkerExitCodes
{
    public const int Success = 0;
    public const int Usage = 1;
    public const int BadPlugin = 2;
    public const int HostProtocolViolation = 3;
    public const int ConfinementUnavailable = 70;
}
