using System.Diagnostics;

namespace Stockade.Cli.Tests;

/// <summary>
/// The CLI hosts plugins, so its own .NET diagnostics socket must not be reachable by name: a red-team plugin used the
/// host's to read its environment and load native code into it. Started without DOTNET_EnableDiagnostics=0, as a
/// user's shell would start it.
/// </summary>
public sealed class DiagnosticsEndpointTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Run_WithDiagnosticsOnInTheEnvironment_LeavesNoNamedDiagnosticsSocket()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "stockade.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { cli, "--home", _home.Path, "run", CliRunner.Sample("plugins/hello-csharp"), "hang" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "DOTNET_EnableDiagnostics", "COMPlus_EnableDiagnostics", "DOTNET_EnableDiagnostics_IPC", "TMPDIR" })
        {
            info.Environment.Remove(name);
        }

        using var host = Process.Start(info)!;
        try
        {
            // Once the host has a worker, Main has long run: the socket the runtime created before Main must be gone.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!HasChild(host.Id) && DateTime.UtcNow < deadline && !host.HasExited)
            {
                await Task.Delay(20);
            }

            HasChild(host.Id).ShouldBeTrue("the CLI never started a worker: " + (host.HasExited ? await host.StandardError.ReadToEndAsync() : "still running"));
            Directory.GetFileSystemEntries("/tmp", $"dotnet-diagnostic-{host.Id}-*").ShouldBeEmpty();
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    private static bool HasChild(int pid)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "children")).Trim().Length > 0)
                {
                    return true;
                }
            }
            catch (IOException)
            {
            }
        }

        return false;
    }
}
