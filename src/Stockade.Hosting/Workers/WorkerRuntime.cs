namespace Stockade.Hosting.Workers;

/// <summary>
/// Where the pieces a worker needs live on this machine: the NativeAOT launcher, the stage-2 worker
/// assembly and the real path of the <c>dotnet</c> muxer (Landlock rules name real paths).
/// </summary>
internal sealed record WorkerRuntime(string LauncherPath, string WorkerAssemblyPath, string DotnetPath)
{
    public string WorkerDirectory => Path.GetDirectoryName(WorkerAssemblyPath)!;

    public static WorkerRuntime Locate(string? runtimeDirectory)
    {
        var dir = runtimeDirectory ?? AppContext.BaseDirectory;
        var launcher = Path.Combine(dir, "stockade-launcher");
        var worker = Path.Combine(dir, "worker", "Stockade.Worker.dll");
        if (!File.Exists(launcher))
        {
            throw new InvalidOperationException(
                $"the Stockade launcher is missing at {launcher}; build the solution (dotnet build) so build/Stockade.Runtime.targets publishes it, or set PluginHostOptions.RuntimeDirectory.");
        }

        if (!File.Exists(worker))
        {
            throw new InvalidOperationException(
                $"the Stockade worker is missing at {worker}; build the solution (dotnet build) or set PluginHostOptions.RuntimeDirectory.");
        }

        return new WorkerRuntime(RealPath(launcher), RealPath(worker), FindDotnet());
    }

    internal static string RealPath(string path)
    {
        var info = new FileInfo(path);
        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        return target?.FullName ?? info.FullName;
    }

    private static string FindDotnet()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileName(self) == "dotnet")
        {
            return RealPath(self);
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
        {
            return RealPath(Path.Combine(root, "dotnet"));
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "dotnet");
            if (File.Exists(candidate))
            {
                return RealPath(candidate);
            }
        }

        const string Default = "/usr/share/dotnet/dotnet";
        return File.Exists(Default)
            ? Default
            : throw new InvalidOperationException("cannot find the dotnet muxer; put it on PATH or set DOTNET_ROOT.");
    }
}
