using System.Globalization;
using Stockade.Hosting.Monitoring;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>
    /// Raises a <see cref="PluginEventKind.Usage"/> event for every plugin whose worker runs, every
    /// <see cref="PluginHostOptions.UsageEventInterval"/>, until the host is disposed. Started by the constructor; a
    /// subscriber's failure is the subscriber's (Raise logs it), never the loop's end.
    /// </summary>
    private async Task ReportUsageAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_shutdown.Token).ConfigureAwait(false))
            {
                foreach (var slot in _slots.Values)
                {
                    if (slot.Worker is not { IsEnding: false } || Watchdog.GetUsage(slot.Id) is not { } usage)
                    {
                        continue;
                    }

                    var calls = slot.TakeCalls();
                    var e = new PluginEvent(slot.Id, PluginEventKind.Usage, DescribeUsage(usage, calls), _time.GetUtcNow()) { Usage = usage, Calls = calls };
                    RaiseEvent(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host is shutting down.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while waiting.
        }
    }

    private static string DescribeUsage(ResourceUsage usage, long calls) => string.Create(CultureInfo.InvariantCulture,
        $"usage: CPU {usage.CpuPercent:0.#} %, memory {usage.MemoryBytes / (1024.0 * 1024.0):0.#} MiB, {usage.Threads} threads, {usage.OpenFiles} open files, {calls} calls since the last report");
}
