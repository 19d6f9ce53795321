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

    /// <summary>The same child compiled ahead of time (NativeAOT), published by the benchmark's build into artifacts/.</summary>
    public static string AotChildExecutable => Path.Combine(RepoRoot, "artifacts", "bench-child-aot", "stockade-bench-child-aot");

    /// <summary>The StreamJsonRpc peer (bench/Stockade.Bench.RpcChild).</summary>
    public static string RpcChildAssembly => Path.Combine(RepoRoot, "bench", "Stockade.Bench.RpcChild", "bin", Configuration, "net10.0", "Stockade.Bench.RpcChild.dll");

    public static string HelloPluginDirectory => Path.Combine(RepoRoot, "samples", "plugins", "hello-csharp");

    /// <summary>
    /// The NativeAOT sample plugin measured when present: <c>--aot-plugin DIR</c>, else <c>STOCKADE_BENCH_AOT_PLUGIN</c>, else
    /// <c>samples/plugins/hello-csharp-native</c> when it holds a plugin.yaml; null when none is there.
    /// </summary>
    public static string? AotPluginDirectory { get; set; }

    public static string DefaultAotPluginDirectory => Path.Combine(RepoRoot, "samples", "plugins", "hello-csharp-native");

    public static string Dotnet => Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self : "dotnet";

    /// <summary>Starts the plain .NET child with redirected pipes and a cleared, minimal environment like the worker's.</summary>
    public static Process StartChild(string mode) => Start(Dotnet, [ChildAssembly, mode]);

    /// <summary>Starts the NativeAOT build of the plain child the same way.</summary>
    public static Process StartAotChild(string mode) => File.Exists(AotChildExecutable)
        ? Start(AotChildExecutable, [mode])
        : throw new InvalidOperationException($"the NativeAOT child is missing at {AotChildExecutable}; build the benchmark (dotnet build -c Release bench/Stockade.Bench) to publish it");

    /// <summary>Starts the StreamJsonRpc peer the same way.</summary>
    public static Process StartRpcChild() => Start(Dotnet, [RpcChildAssembly]);

    /// <summary>Starts <paramref name="program"/> with redirected pipes and the cleared environment of the plain child.</summary>
    public static Process Start(string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/bin:/bin";
        info.Environment["HOME"] = Path.GetTempPath();
        info.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
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
