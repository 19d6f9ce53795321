using Stockade.Hosting;

namespace Stockade.Cli.Infrastructure;

/// <summary>Creates the <see cref="PluginHost"/> a command works with, over the resolved home.</summary>
internal static class HostFactory
{
    public static PluginHost Create(string home, CliConsole console, bool allowDowngrade = false, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        try
        {
            var options = new PluginHostOptions { Home = home, AllowDowngrade = allowDowngrade };
            ApplyWorkerUidRange(options);
            return new PluginHost(options, loggerFactory)
            {
                PermissionPrompt = new ConsolePermissionPrompt(console),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Hosting.Store.StoreException { IsIntegrityFailure: false })
        {
            throw new CliException(ExitCodes.UsageOrNotFound, $"cannot use the Stockade home {home}: {ex.Message}",
                "choose a writable folder with --home DIR (or STOCKADE_HOME).");
        }
    }

    /// <summary>
    /// <c>STOCKADE_WORKER_UIDS=FIRST-LAST</c> moves the range a root host gives plugins their own uids from (default
    /// 1879048192-1879113727, i.e. 0x70000000 + 65536).
    /// </summary>
    private static void ApplyWorkerUidRange(PluginHostOptions options)
    {
        var text = Environment.GetEnvironmentVariable("STOCKADE_WORKER_UIDS");
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var first)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var last)
            || first < 1000 || last < first || (first <= 65534 && last >= 65534))
        {
            throw new CliException(ExitCodes.UsageOrNotFound, $"STOCKADE_WORKER_UIDS='{text}' is not a uid range FIRST-LAST with 1000 <= FIRST <= LAST (65534 excluded)",
                $"e.g. STOCKADE_WORKER_UIDS={PluginHostOptions.DefaultWorkerUidFirst}-{PluginHostOptions.DefaultWorkerUidFirst + PluginHostOptions.DefaultWorkerUidCount - 1}, or unset it for that default.");
        }

        options.WorkerUidFirst = first;
        options.WorkerUidCount = last - first + 1;
    }
}
