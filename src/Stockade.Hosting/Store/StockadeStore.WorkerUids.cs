using System.Globalization;

namespace Stockade.Hosting.Store;

internal sealed partial class StockadeStore
{
    /// <summary>
    /// The uid the workers of <paramref name="pluginId"/> run under when the host is root: the one recorded for it,
    /// else the lowest free uid of <c>[first, first + count)</c>, recorded in the same transaction so two hosts on one
    /// home never hand one uid to two plugins. A recorded uid is kept even when the range changes later, so a
    /// plugin's data stays owned by it.
    /// </summary>
    /// <param name="pluginId">Plugin id (installed, or run from a folder).</param>
    /// <param name="first">First uid of the range.</param>
    /// <param name="count">Number of uids in the range.</param>
    /// <param name="isTaken">True for a uid the system already uses (an account in /etc/passwd): skipped.</param>
    /// <exception cref="StoreException">Every uid of the range is in use.</exception>
    public int WorkerUid(string pluginId, int first, int count, Func<int, bool>? isTaken = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pluginId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(first);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Write((connection, transaction) =>
        {
            using (var read = Command(connection, transaction, "SELECT uid FROM worker_uids WHERE plugin_id = $id", ("$id", pluginId)))
            {
                if (read.ExecuteScalar() is long existing)
                {
                    return (int)existing;
                }
            }

            var last = (long)first + count - 1;
            var used = new HashSet<long>();
            using (var list = Command(connection, transaction, "SELECT uid FROM worker_uids WHERE uid BETWEEN $first AND $last", ("$first", first), ("$last", last)))
            using (var reader = list.ExecuteReader())
            {
                while (reader.Read())
                {
                    used.Add(reader.GetInt64(0));
                }
            }

            for (long uid = first; uid <= last; uid++)
            {
                if (used.Contains(uid) || (isTaken?.Invoke((int)uid) ?? false))
                {
                    continue;
                }

                using var insert = Command(connection, transaction, "INSERT INTO worker_uids(plugin_id, uid, allocated_at) VALUES ($id, $uid, $now)",
                    ("$id", pluginId), ("$uid", uid), ("$now", Now()));
                insert.ExecuteNonQuery();
                return (int)uid;
            }

            throw new StoreException(string.Create(CultureInfo.InvariantCulture,
                $"every worker uid of {first}–{last} is in use ({used.Count} plugins) — widen PluginHostOptions.WorkerUidCount (CLI: STOCKADE_WORKER_UIDS=FIRST-LAST)"));
        });
    }

    /// <summary>The uid recorded for <paramref name="pluginId"/>, or null when its workers never ran under one.</summary>
    public int? FindWorkerUid(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return Execute(connection =>
        {
            using var command = Command(connection, null, "SELECT uid FROM worker_uids WHERE plugin_id = $id", ("$id", pluginId));
            return command.ExecuteScalar() is long uid ? (int?)uid : null;
        });
    }

    /// <summary>
    /// Forgets the uid recorded for <paramref name="pluginId"/> when it is <paramref name="uid"/>: a uid just allocated
    /// that another host claimed first (a race between two hosts' first loads), so the next allocation chooses again.
    /// </summary>
    public void ForgetWorkerUid(string pluginId, int uid)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        Write((connection, transaction) =>
        {
            using var delete = Command(connection, transaction, "DELETE FROM worker_uids WHERE plugin_id = $id AND uid = $uid", ("$id", pluginId), ("$uid", uid));
            return delete.ExecuteNonQuery();
        });
    }
}
