using System.Runtime.InteropServices;
using System.Text.Json;

namespace Stockade.Hosting.Workers;

/// <summary>
/// Where the pieces a worker needs live on this machine: the NativeAOT launcher, the stage-2 worker and the runtime it
/// runs on: the shared runtime's <c>dotnet</c> muxer (real path: Landlock rules name real paths), or, for a
/// self-contained app, the runtime its build copied into the worker folder (<see cref="WorkerAppHost"/>).
/// </summary>
internal sealed record WorkerRuntime(string LauncherPath, string WorkerAssemblyPath, string DotnetPath, string? WorkerAppHost = null)
{
    /// <summary>The runtime identifier the packages ship a launcher for (docs/packaging.md, "Runtime identifiers").</summary>
    public const string ShippedRid = "linux-x64";

    public string WorkerDirectory => Path.GetDirectoryName(WorkerAssemblyPath)!;

    /// <summary>The program the launcher execs as stage 2.</summary>
    public string WorkerExecutable => WorkerAppHost ?? DotnetPath;

    /// <summary>argv up to the worker's own options: <c>dotnet Stockade.Worker.dll</c>, or the self-contained apphost.</summary>
    public IReadOnlyList<string> WorkerCommand => WorkerAppHost is { } apphost ? [apphost] : ["dotnet", WorkerAssemblyPath];

    /// <summary>The folder holding the runtime the worker runs on (read and execute for it under Landlock).</summary>
    public string RuntimeRoot => WorkerAppHost is null ? Path.GetDirectoryName(DotnetPath)! : WorkerDirectory;

    public static WorkerRuntime Locate(string? runtimeDirectory)
    {
        var dir = runtimeDirectory ?? AppContext.BaseDirectory;
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new WorkerRuntimeException(
                $"no Stockade launcher for {RuntimeInformation.OSDescription.Trim()} ({RuntimeInformation.RuntimeIdentifier}): the launcher applies rlimits, no_new_privs, Landlock and seccomp, and it ships for {ShippedRid} only",
                $"run the app on Linux x64 (docs/packaging.md lists the runtime identifiers shipped).",
                missing: true);
        }

        var launcher = Path.Combine(dir, "stockade-launcher");
        var worker = Path.Combine(dir, "worker", "Stockade.Worker.dll");
        if (!File.Exists(launcher))
        {
            throw new WorkerRuntimeException(
                $"the Stockade launcher is missing at {launcher}, so no worker can be confined (rlimits, no_new_privs, Landlock, seccomp)",
                "build or publish the app for linux-x64 (or without a runtime identifier) so Stockade.Hosting's build targets copy stockade-launcher and worker/ next to it, or set PluginHostOptions.RuntimeDirectory to a folder holding them.",
                missing: true);
        }

        if (!File.Exists(worker))
        {
            throw new WorkerRuntimeException(
                $"the Stockade worker is missing at {worker}",
                "build or publish the app again so Stockade.Hosting's build targets copy worker/ next to stockade-launcher, or set PluginHostOptions.RuntimeDirectory.",
                missing: true);
        }

        CheckStamp(dir);
        EnsureExecutable(launcher);

        // A self-contained app: its build put the runtime it carries into worker/ (libhostfxr next to the apphost).
        var apphost = Path.Combine(dir, "worker", "Stockade.Worker");
        if (File.Exists(Path.Combine(dir, "worker", "libhostfxr.so")) && File.Exists(apphost))
        {
            EnsureExecutable(apphost);
            return new WorkerRuntime(RealPath(launcher), RealPath(worker), DotnetPath: "", RealPath(apphost));
        }

        return new WorkerRuntime(RealPath(launcher), RealPath(worker), FindDotnet());
    }

    /// <summary>The launcher and worker next to the app are this library's own version, or the host refuses.</summary>
    internal static void CheckStamp(string dir)
    {
        var stamp = Path.Combine(dir, StockadeRelease.StampFileName);
        string? found = null;
        if (File.Exists(stamp))
        {
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllBytes(stamp));
                found = json.RootElement.TryGetProperty("stockade", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            }
            catch (JsonException)
            {
                found = null;
            }
        }

        if (found == StockadeRelease.Version)
        {
            return;
        }

        var what = found is null ? $"carries no readable version stamp ({stamp})" : $"is Stockade {found}";
        throw new WorkerRuntimeException(
            $"the Stockade launcher and worker in {dir} {what}, but this Stockade.Hosting is {StockadeRelease.Version}; they must come from the same package",
            $"rebuild or republish the app so Stockade.Hosting {StockadeRelease.Version} copies its own runtime next to it, with one Stockade version for every project of the app (dotnet list package --include-transitive | grep Stockade); or point PluginHostOptions.RuntimeDirectory at the runtime of version {StockadeRelease.Version}.",
            missing: false);
    }

    /// <summary>NuGet does not keep the execute bit (a tool's files, a package copied by hand): restore it on our own files.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static void EnsureExecutable(string path)
    {
        const UnixFileMode Execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) != 0)
        {
            return;
        }

        try
        {
            // Execute where read is allowed, nothing more.
            var add = ((mode & UnixFileMode.UserRead) != 0 ? UnixFileMode.UserExecute : 0)
                | ((mode & UnixFileMode.GroupRead) != 0 ? UnixFileMode.GroupExecute : 0)
                | ((mode & UnixFileMode.OtherRead) != 0 ? UnixFileMode.OtherExecute : 0);
            File.SetUnixFileMode(path, mode | (add & Execute));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WorkerRuntimeException($"{path} is not executable and cannot be made so ({ex.Message})", $"chmod 755 {path}", missing: false);
        }
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

        // The shared runtime this host runs on (…/shared/Microsoft.NETCore.App/<version>/): its root's muxer runs the
        // worker on the same runtime even when the app was started through its apphost with no DOTNET_ROOT set.
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var root = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        if (File.Exists(Path.Combine(root, "dotnet")) && Directory.Exists(Path.Combine(root, "shared", "Microsoft.NETCore.App")))
        {
            return RealPath(Path.Combine(root, "dotnet"));
        }

        var dotnetRoot = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(dotnetRoot) && File.Exists(Path.Combine(dotnetRoot, "dotnet")))
        {
            return RealPath(Path.Combine(dotnetRoot, "dotnet"));
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
            : throw new WorkerRuntimeException(
                "cannot find the dotnet muxer for the framework-dependent worker",
                "put dotnet on PATH or set DOTNET_ROOT, or publish the app self-contained (-r linux-x64 --self-contained) so its workers run on the runtime it carries.",
                missing: true);
    }
}

/// <summary>The launcher or worker cannot be used: missing (nothing can be confined) or from another Stockade version.</summary>
internal sealed class WorkerRuntimeException(string message, string nextStep, bool missing) : Exception(message)
{
    public string NextStep { get; } = nextStep;

    /// <summary>True when no confinement can be applied at all (fail secure: the plugin is refused).</summary>
    public bool Missing { get; } = missing;
}
