using System.Diagnostics;

namespace Stockade.Hosting.Tests.Audit;

/// <summary>A small real file system (tmpfs of a given size) mounted on a temp folder, to fill up; unmounted on dispose.</summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Why mounting is not possible here (not root, no mount(8)), or null when it is.</summary>
    public static string? Unavailable { get; } = Probe();

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. <c>2m</c>) on <paramref name="path"/>, mode 0711.</summary>
    public static TmpfsMount Create(string path, string size)
    {
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0711", "tmpfs", path).ShouldBeNull();
        return new TmpfsMount(path);
    }

    /// <summary>Fills what is left with a file, as another program on the same disk would, until the disk says no.</summary>
    public void Fill()
    {
        using var filler = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, 1);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(chunk);
                filler.Flush();
            }
        }
        catch (IOException)
        {
            // full
        }
    }

    public long FreeBytes()
    {
        var info = new DriveInfo(Path);
        return info.AvailableFreeSpace;
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "tmpfs needs Linux";
        }

        var probe = Directory.CreateTempSubdirectory("stockade-tmpfs-probe-").FullName;
        try
        {
            var error = Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe);
            if (error is not null)
            {
                return $"cannot mount a tmpfs here (needs root): {error}";
            }

            Run("umount", probe);
            return null;
        }
        finally
        {
            Directory.Delete(probe);
        }
    }

    private static string? Run(string file, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"{file} exited {process.ExitCode}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{file} is not available: {ex.Message}";
        }
    }
}

/// <summary>A fact that runs only where a tmpfs can be mounted (root); skipped with the reason otherwise.</summary>
internal sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (TmpfsMount.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
