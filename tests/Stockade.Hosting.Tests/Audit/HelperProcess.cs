using System.Diagnostics;

namespace Stockade.Hosting.Tests.Audit;

/// <summary>Runs the Stockade.Hosting.Tests.AuditWriter helper as a real second process.</summary>
internal static class HelperProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "Stockade.Hosting.Tests.AuditWriter.dll");

    public static Process Start(params string[] args) => StartRaw("dotnet", [DllPath, .. args]);

    public static Process StartRaw(string fileName, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }

    public static async Task<(int ExitCode, string Output)> WaitAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
