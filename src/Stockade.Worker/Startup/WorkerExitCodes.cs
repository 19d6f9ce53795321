using Stockade.Linux.Launch;

namespace Stockade.Worker;

// Exit codes of the worker process, taken from the one table the launcher and the host read (SandboxExitCodes;
// documented in docs/protocol.md). Confinement failure is 72, no longer the launcher's setup-failure 70.
internal static class WorkerExitCodes
{
    public const int Success = SandboxExitCodes.Success;
    public const int Usage = SandboxExitCodes.WorkerUsage;
    public const int BadPlugin = SandboxExitCodes.WorkerBadPlugin;
    public const int HostProtocolViolation = SandboxExitCodes.WorkerHostProtocolViolation;
    public const int ConfinementUnavailable = SandboxExitCodes.WorkerConfinementFailed;
}
