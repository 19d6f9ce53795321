namespace Stockade.Linux;

/// <summary>
/// Hands a folder the host prepared to the dedicated uid a worker runs under (the host runs as root
/// in that case). Symlinks are not followed, so a planted link cannot redirect the change.
/// </summary>
public static class FileOwnership
{
    /// <summary>Sets the owner and group of <paramref name="path"/>; throws <see cref="System.ComponentModel.Win32Exception"/> with the call named on failure.</summary>
    public static void Change(string path, int uid, int gid)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Interop.Check(Interop.lchown(path, (uint)uid, (uint)gid), $"lchown({path}, {uid}, {gid})");
    }

    /// <summary>The owner uid and gid of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static unsafe (uint Uid, uint Gid) Of(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte* buffer = stackalloc byte[Interop.SizeOfStat];
        Interop.Check(Interop.lstat(path, buffer), $"lstat({path})");
        return (*(uint*)(buffer + Interop.StatUidOffset), *(uint*)(buffer + Interop.StatGidOffset));
    }
}
