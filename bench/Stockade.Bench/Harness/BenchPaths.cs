using System.Diagnostics;

namespace Stockade.Bench.Harness;

/// <summary>Where the benchmark finds the repository, the plain child, the sample plugin and the dotnet muxer.</summary>
internal static class BenchPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// A new temporary folder the benchmark's workers can pass through: a root host runs each plugin under a uid of its
    /// own, which a 0700 folder would stop on its way to the plugin and the home (the host refuses such a start).
    /// </summary>
    public static string CreateTempRoot(string prefix)
    {
        var root = Directory.CreateTempSubdirectory(prefix).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return root;
    }

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static string ChildAssembly => Path.Combine(RepoRoot, "bench", "Stockade.Bench.Child", "bin", Configuration, "net10.0", "Stockade.Bench.Child.dll");

    public static string HelloPluginDirectory => Path.Combine(RepoRoot, "samples", "plugins", "hello-csharp");

    public static string Dotnet => Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self : "dotnet";

    /// <summary>Starts the plain .NET child with redirected pipes and a cleared, minimal environment like the worker's.</summary>
    public static Process StartChild(string mode)
    {
        var info = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ChildAssembly);
        info.ArgumentList.Add(mode);
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/bin:/bin";
        info.Environment["HOME"] = Path.GetTempPath();
        info.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the plain .NET child");
    }

    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find Stockade.slnx above the benchmark; run it from the repository (dotnet run --project bench/Stockade.Bench).");
    }
}
