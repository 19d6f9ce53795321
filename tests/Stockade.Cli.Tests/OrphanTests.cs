using System.Diagnostics;

namespace Stockade.Cli.Tests;

/// <summary>A worker never outlives its host, even when the host is killed with SIGKILL (PR_SET_PDEATHSIG).</summary>
public sealed class OrphanTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task KillNine_OfTheHost_LeavesNoWorker()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "stockade.dll");
        File.Exists(cli).ShouldBeTrue();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { cli, "--home", _home.Path, "run", CliRunner.Sample("plugins/hello-csharp"), "hang" })
        {
            info.ArgumentList.Add(arg);
        }

        using var host = Process.Start(info)!;
        var workers = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (workers.Count == 0 && DateTime.UtcNow < deadline && !host.HasExited)
        {
            workers = WorkersOf(_home.Path);
            await Task.Delay(20);
        }

        workers.ShouldNotBeEmpty("the host never started a worker");
        host.Kill(entireProcessTree: false);
        await host.WaitForExitAsync();

        var gone = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < gone && workers.Any(Alive))
        {
            await Task.Delay(20);
        }

        workers.Where(Alive).ShouldBeEmpty("a worker survived the SIGKILL of its host");
    }

    private static bool Alive(int pid)
    {
        try
        {
            // A zombie waiting for init to reap it is dead for our purpose.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<int> WorkersOf(string home)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains("Stockade.Worker.dll", StringComparison.Ordinal) && cmdline.Contains("hello-csharp", StringComparison.Ordinal))
                {
                    var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).ResolveLinkTarget(false)?.FullName ?? "";
                    if (cwd.StartsWith(home, StringComparison.Ordinal))
                    {
                        result.Add(pid);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return result;
    }
}
