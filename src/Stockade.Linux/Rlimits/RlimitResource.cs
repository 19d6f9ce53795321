namespace Stockade.Linux.Rlimits;

/// <summary>Kernel resource numbers (<c>RLIMIT_*</c>) used by Stockade.</summary>
internal enum RlimitResource
{
    Cpu = 0,
    FileSize = 1,
    Data = 2,
    Core = 4,
    Processes = 6,
    OpenFiles = 7,
}
