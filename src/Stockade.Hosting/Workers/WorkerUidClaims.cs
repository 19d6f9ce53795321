using System.Text;

namespace Stockade.Hosting.Workers;

/// <summary>
/// The machine-wide claims on worker uids, so two root hosts (two homes) never give their plugins the same uid. Each
/// home's store allocates from the same range, so without them the first plugin of every host got 0x70000000: plugins
/// of different hosts shared a uid, could signal each other's workers where Landlock does not scope signals, own each
/// other's files, and one host's checks took the other's processes for its own. A claim is a file named by the uid in
/// <see cref="Directory"/> (root's, 0700) holding the claiming home's path; a claim whose home no longer exists is stale
/// and may be taken over. Only a root host allocates uids, so only root reads and writes here.
/// </summary>
internal static class WorkerUidClaims
{
    /// <summary>Where the claims live: under /run, so a reboot (which ends every worker) clears them.</summary>
    internal static string Directory { get; set; } = "/run/stockade/worker-uids";

    /// <summary>True when another home, still present, claims <paramref name="uid"/>.</summary>
    public static bool TakenByAnother(int uid, string home) => Owner(uid) is { } owner && owner != home && System.IO.Directory.Exists(owner);

    /// <summary>The home that claims <paramref name="uid"/>, or null.</summary>
    public static string? Owner(int uid)
    {
        try
        {
            var text = File.ReadAllText(PathOf(uid), Encoding.UTF8);
            var owner = text.TrimEnd('\n');
            return owner.Length == 0 ? null : owner;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Claims <paramref name="uid"/> for <paramref name="home"/>: true when it is this home's now (new, already ours, or
    /// taken over from a home that is gone); false when another present home holds it.
    /// </summary>
    /// <exception cref="IOException">The claims directory cannot be made or written (fail closed: no uid is handed out unclaimed).</exception>
    public static bool TryClaim(int uid, string home)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true; // no uids to switch to: the Linux-only launcher never runs elsewhere
        }

        System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var gate = Lock();
        var owner = Owner(uid);
        if (owner == home)
        {
            return true;
        }

        if (owner is not null && System.IO.Directory.Exists(owner))
        {
            return false;
        }

        // New, empty or stale (its home is gone): written whole under the lock.
        var path = PathOf(uid);
        var temp = path + ".new";
        File.WriteAllText(temp, home + "\n", Encoding.UTF8);
        File.Move(temp, path, overwrite: true);
        return true;
    }

    /// <summary>The claims' lock (flock through FileShare.None), held while one claim is decided; waits up to 5 s.</summary>
    private static FileStream Lock()
    {
        var path = Path.Combine(Directory, ".lock");
        var deadline = Environment.TickCount64 + 5000;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(5);
            }
        }
    }

    private static string PathOf(int uid) => Path.Combine(Directory, uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
