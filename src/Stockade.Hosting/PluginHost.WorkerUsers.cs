using System.Collections.Concurrent;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly ConcurrentDictionary<string, WorkerIdentity> _workerIdentities = new(StringComparer.Ordinal);

    /// <summary>The user <paramref name="pluginId"/>'s workers run under; its uid is allocated (and recorded) on first use.</summary>
    internal WorkerIdentity WorkerIdentityOf(string pluginId) =>
        _workerIdentities.GetOrAdd(pluginId, id => WorkerIdentity.For(id, _options, Store));

    /// <summary>
    /// Gives the worker's folders to its uid, private (0700): <c>$PLUGIN_DATA</c>, the temp folder and its <c>tmp</c>.
    /// A data folder still owned by someone else (made while workers ran as root, or under another uid) is re-owned
    /// once through directory descriptors (never following a link), so the plugin keeps its data.
    /// </summary>
    private static void PrepareForWorkerUser(int uid, int gid, string data, string temp)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no uids to switch to; the Linux-only launcher never runs there
        }

        Directory.CreateDirectory(data);
        if (Linux.FileOwnership.Of(data).Uid != (uint)uid)
        {
            // Through descriptors: a live worker of the old owner could swap a folder for a link mid-walk, and a path walk
            // would then give files outside the data folder to this uid.
            Linux.FileSystem.SafeTree.ChangeOwner(data, uid, gid);
        }

        foreach (var dir in new[] { data, temp, Path.Combine(temp, "tmp") })
        {
            Directory.CreateDirectory(dir);
            if (new DirectoryInfo(dir).LinkTarget is not null)
            {
                throw new IOException($"{dir} is a symbolic link; refusing to hand it to uid {uid}");
            }

            Linux.FileOwnership.Change(dir, uid, gid);
            File.SetUnixFileMode(dir, OwnerOnly);
        }
    }

    /// <summary>
    /// Why a worker running as <paramref name="uid"/> could not reach <paramref name="path"/> (a folder on the way that
    /// others may not traverse, e.g. /root at 0700), or null when it can.
    /// </summary>
    private static string? UnreachableFor(int uid, int gid, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            var (owner, group) = Linux.FileOwnership.Of(dir);
            var traversable = owner == (uint)uid ? mode.HasFlag(UnixFileMode.UserExecute)
                : group == (uint)gid ? mode.HasFlag(UnixFileMode.GroupExecute)
                : mode.HasFlag(UnixFileMode.OtherExecute);
            if (!traversable)
            {
                return $"{dir} (mode {Convert.ToString((int)mode, 8)}) does not let uid {uid} through";
            }
        }

        return null;
    }
}
