namespace Stockade.Plugin.Serving;

// The exit codes the protocol server itself ends with. They are values of the one table the launcher and the host read
// (Stockade.Linux.Launch.SandboxExitCodes, documented in docs/protocol.md), which the SDK cannot reference: a NativeAOT
// plugin carries no Linux plumbing. Issue19ServerExitCodeTests keeps the two equal.
internal static class ServerExitCodes
{
    public const int Success = 0;
    public const int Usage = 1;
    public const int BadPlugin = 2;
    public const int HostProtocolViolation = 3;
}
