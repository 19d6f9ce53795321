namespace Stockade.Linux.Launch;

/// <summary>A uid/gid the launcher switches to (setgroups, setresgid, setresuid) when started as root.</summary>
public sealed class LaunchUser
{
    /// <summary>User id, e.g. 65534 (nobody) or a dedicated per-worker uid.</summary>
    public uint Uid { get; set; }

    /// <summary>Group id; supplementary groups are cleared.</summary>
    public uint Gid { get; set; }
}
