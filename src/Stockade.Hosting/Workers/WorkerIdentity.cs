using System.Globalization;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Workers;

/// <summary>
/// The user a plugin's workers run under. A root host gives every plugin a uid of its own from the configured range
/// (recorded in the store, as Android gives each app its own uid), unless <see cref="PluginHostOptions.WorkerUserId"/>
/// names one for all; an unprivileged host cannot switch, so its workers keep (and share) the host's uid.
/// </summary>
/// <param name="Uid">The uid, or null for the host's own.</param>
/// <param name="Gid">The gid, or null for the host's own.</param>
/// <param name="Kind">How it was chosen.</param>
internal sealed record WorkerIdentity(int? Uid, int? Gid, WorkerIdentityKind Kind)
{
    /// <summary>True when this process runs as root (effective uid 0) and so can switch a worker's user.</summary>
    public static bool HostIsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Chooses the identity of <paramref name="pluginId"/>'s workers (allocating its uid on first use).</summary>
    public static WorkerIdentity For(string pluginId, PluginHostOptions options, StockadeStore store)
    {
        if (options.WorkerUserId is int configured)
        {
            return new WorkerIdentity(configured, options.WorkerGroupId ?? configured, WorkerIdentityKind.Configured);
        }

        if (!HostIsRoot)
        {
            return new WorkerIdentity(null, null, WorkerIdentityKind.HostUser);
        }

        // Unique on the machine, not only in this home: a uid another host's plugin holds is skipped, and the one chosen
        // is claimed (WorkerUidClaims). A uid this store gave before that another present home now holds is refused.
        var home = store.HomeDirectory;
        // A new uid is claimed as it is chosen: checked and claimed in two steps, two hosts starting plugins at once both
        // found the same uid free and one of them was refused (seen with parallel test hosts).
        var uid = store.WorkerUid(pluginId, options.WorkerUidFirst, options.WorkerUidCount, u => SystemAccounts.Contains(u) || WorkerUidClaims.TakenByAnother(u, home) || !ClaimedOrUnknown(u, home));
        bool claimed;
        try
        {
            claimed = WorkerUidClaims.TryClaim(uid, home);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginFailedException(pluginId, PluginFailureKind.StartFailed,
                string.Create(CultureInfo.InvariantCulture, $"plugin '{pluginId}' could not start: its uid {uid} cannot be claimed in {WorkerUidClaims.Directory} ({ex.Message}), so it could be another host's plugin's too"),
                nextStep: $"make {WorkerUidClaims.Directory} writable by this (root) host, or set PluginHostOptions.WorkerUserId");
        }

        if (!claimed)
        {
            throw new PluginFailedException(pluginId, PluginFailureKind.StartFailed,
                string.Create(CultureInfo.InvariantCulture, $"plugin '{pluginId}' could not start: its uid {uid} is held by a plugin of the host at {TerminalSafe(WorkerUidClaims.Owner(uid))}; two hosts' plugins must never share a uid"),
                nextStep: "give each host on this machine its own uid range (PluginHostOptions.WorkerUidFirst, CLI: STOCKADE_WORKER_UIDS=FIRST-LAST)");
        }

        return new WorkerIdentity(uid, uid, WorkerIdentityKind.PerPlugin);
    }

    // True when the uid is now this home's, or when the claims cannot be written (then the claim below says why).
    private static bool ClaimedOrUnknown(int uid, string home)
    {
        try
        {
            return WorkerUidClaims.TryClaim(uid, home);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static string TerminalSafe(string? path) => path is null ? "(unknown)" : StderrText.Visible(path);

    /// <summary>One line for the guarantee report.</summary>
    public string Describe() => Kind switch
    {
        WorkerIdentityKind.PerPlugin => string.Create(CultureInfo.InvariantCulture,
            $"its own uid {Uid} (no other plugin shares it): cannot signal, trace or read the files of other plugins' workers"),
        WorkerIdentityKind.Configured => string.Create(CultureInfo.InvariantCulture,
            $"uid {Uid} set by PluginHostOptions.WorkerUserId, shared by every plugin of this host"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"the host's own uid {Environment.UserName} ({Linux.Interop.geteuid()}): an unprivileged host cannot switch users, so plugins share its uid and only Landlock (sandboxed, strict) keeps them out of each other's folders and the host's files"),
    };

    /// <summary>Uids that belong to accounts of this machine: never handed to a plugin.</summary>
    private static class SystemAccounts
    {
        private static readonly Lazy<HashSet<int>> Uids = new(Read);

        public static bool Contains(int uid) => Uids.Value.Contains(uid);

        private static HashSet<int> Read()
        {
            var uids = new HashSet<int>();
            foreach (var file in new[] { "/etc/passwd", "/etc/group" })
            {
                try
                {
                    foreach (var line in File.ReadLines(file))
                    {
                        var fields = line.Split(':');
                        if (fields.Length > 2 && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                        {
                            uids.Add(id);
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // No account database: nothing to avoid.
                }
            }

            return uids;
        }
    }
}

/// <summary>How a worker's user was chosen.</summary>
internal enum WorkerIdentityKind
{
    /// <summary>An unprivileged host: the host's own uid, shared by all its plugins.</summary>
    HostUser,

    /// <summary>A root host: the plugin's own uid from the range.</summary>
    PerPlugin,

    /// <summary><see cref="PluginHostOptions.WorkerUserId"/>.</summary>
    Configured,
}
