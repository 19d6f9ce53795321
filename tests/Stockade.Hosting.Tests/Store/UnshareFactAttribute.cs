using System.Diagnostics;

namespace Stockade.Hosting.Tests.Store;

/// <summary>A fact that runs only where <c>unshare --mount</c> and <c>mount</c> work (root or user namespaces); skipped with the reason otherwise.</summary>
internal sealed class UnshareFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public UnshareFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "--", "mount", "-t", "tmpfs", "tmpfs", "/mnt"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"cannot mount in a private mount namespace here: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"unshare(1) is not available: {ex.Message}";
        }
    }
}
