using Stockade.Plugin;

namespace Samples.Hostile;

// Issue 14, class 8: budgets that miss a path.
public sealed partial class HostilePlugin
{
    /// <summary>Writes <c>Port</c> MiB (default 256) to stderr as one line with no newline, straight to fd 2.</summary>
    [PluginMethod("stderrFlood")]
    public AttemptReport StderrFlood(ProbeInput? input)
    {
        var mib = input?.Port ?? 256;
        return AttemptReport.Try($"stderrFlood {mib} MiB without a newline", () =>
        {
            using var stderr = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(2, ownsHandle: false), FileAccess.Write, 1);
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, (byte)'A');
            for (var i = 0; i < mib; i++)
            {
                stderr.Write(chunk);
            }

            stderr.Flush();
        });
    }

    /// <summary>Which of <c>Names</c> exist in the worker; succeeded when any does (each was set in the host, none granted by exact name).</summary>
    [PluginMethod("envSweep")]
    public AttemptReport EnvironmentSweep(ProbeInput? input)
    {
        var names = input?.Names ?? [];
        var visible = names.Where(n => Environment.GetEnvironmentVariable(n) is not null).ToList();
        return new AttemptReport($"envSweep {names.Count} secret-looking names", visible.Count > 0,
            visible.Count > 0 ? "visible: " + string.Join(", ", visible) : "none visible");
    }

    /// <summary>Fetches <c>Path</c> (a URL) through the broker's HTTP (<c>network:request=*</c>); succeeded when an answer came.</summary>
    [PluginMethod("brokerFetch")]
    public async Task<AttemptReport> BrokerFetchAsync(ProbeInput? input, CancellationToken cancellationToken)
    {
        var url = input?.Path ?? "http://169.254.169.254/latest/meta-data/";
        try
        {
            var http = _context?.Http ?? throw new InvalidOperationException("no context");
            using var response = await http.GetAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
            return new AttemptReport($"brokerFetch {url}", true, $"answered {(int)response.StatusCode}");
        }
        catch (Exception e)
        {
            return new AttemptReport($"brokerFetch {url}", false, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
