using System.Diagnostics;
using Stockade.Hosting.Tests.Audit;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue #3: after <c>kill -9</c> of a host with three running plugins (one of them with a prewarmed spare), no worker
/// process remains (PR_SET_PDEATHSIG from the launcher, forked from the host's long-lived spawner thread).
/// </summary>
public sealed class OrphanTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task KillNine_OfAHostWithThreePluginsAndASpare_LeavesNoWorker()
    {
        string[] plugins =
        [
            _world.Misbehave("t.orphan1", extra: "prewarm: 1"),
            _world.Misbehave("t.orphan2"),
            _world.Misbehave("t.orphan3"),
        ];
        using var host = HelperProcess.Start(["host", _world.Home, AppContext.BaseDirectory, .. plugins]);
        var ready = await host.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
        ready.ShouldBe("ready", await ErrorsAsync(host));

        // Three workers and the spare of the first plugin (started in the background after its load).
        var workers = new List<int>();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (workers.Count < 4 && DateTime.UtcNow < deadline && !host.HasExited)
        {
            workers = WorkersOf(_world.Home);
            await Task.Delay(50);
        }

        workers.Count.ShouldBe(4, "expected three workers and one spare under the host");
        host.Kill(entireProcessTree: false);
        await host.WaitForExitAsync();

        var gone = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < gone && workers.Any(PrewarmTests.Alive))
        {
            await Task.Delay(20);
        }

        workers.Where(PrewarmTests.Alive).ShouldBeEmpty("a worker or spare survived the SIGKILL of its host");
    }

    private static async Task<string> ErrorsAsync(Process host)
    {
        if (!host.HasExited)
        {
            return "the host helper did not report ready";
        }

        return await host.StandardError.ReadToEndAsync();
    }

    // Worker processes (the .NET stage 2) whose working directory is under this home's temp folder.
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
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).ResolveLinkTarget(false)?.FullName ?? "";
                if (cmdline.Contains("Stockade.Worker.dll", StringComparison.Ordinal) && cwd.StartsWith(home, StringComparison.Ordinal) && PrewarmTests.Alive(pid))
                {
                    result.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return result;
    }
}
