namespace Stockade.Linux.Launch;

/// <summary>
/// A uid/gid the launcher switches to (setgroups, setresgid, setresuid) when started as root, after locking the
/// securebits and emptying the capability bounding set; the result is verified from <c>/proc</c> before exec.
/// </summary>
internal sealed class LaunchUser
{
    /// <summary>User id, e.g. the plugin's own uid from the host's worker range, or 65534 (nobody).</summary>
    public uint Uid { get; set; }

    /// <summary>Group id; supplementary groups are cleared.</summary>
    public uint Gid { get; set; }
}
