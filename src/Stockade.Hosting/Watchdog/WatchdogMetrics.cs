using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Stockade.Hosting.Monitoring;

/// <summary>The watchdog's instruments on the <see cref="Watchdog.MeterName"/> meter.</summary>
/// <remarks>
/// With an <see cref="IMeterFactory"/> the meter belongs to the factory (and to the host's DI container);
/// without one this class creates its own and disposes it with the watchdog. A single static meter would
/// collect a fresh set of observable gauges from every watchdog ever created, each bound to a dead one.
/// </remarks>
internal sealed class WatchdogMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _violations;
    private readonly Counter<long> _kills;
    private readonly Counter<long> _throttles;

    public WatchdogMetrics(IMeterFactory? factory, Func<IReadOnlyCollection<WatchedProcess>> watched)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(new MeterOptions(Watchdog.MeterName)) ?? new Meter(Watchdog.MeterName);

        _meter.CreateObservableGauge(
            "stockade.worker.cpu",
            () => Observe(watched(), static u => u.CpuPercent),
            unit: "%",
            description: "CPU use of each worker over the last interval, in percent of one core.");
        _meter.CreateObservableGauge(
            "stockade.worker.memory",
            () => Observe(watched(), static u => u.MemoryBytes),
            unit: "By",
            description: "Resident memory of each worker and its descendants.");
        _meter.CreateObservableGauge(
            "stockade.worker.threads",
            () => Observe(watched(), static u => u.Threads),
            unit: "{thread}",
            description: "Threads of each worker and its descendants.");
        _violations = _meter.CreateCounter<long>("stockade.watchdog.violations", unit: "{violation}", description: "Soft-limit violations, reported ones included.");
        _kills = _meter.CreateCounter<long>("stockade.watchdog.kills", unit: "{kill}", description: "Workers killed by the watchdog.");
        _throttles = _meter.CreateCounter<long>("stockade.watchdog.throttles", unit: "{throttle}", description: "Workers throttled by the watchdog.");
    }

    public void Violation(string pluginId, WatchdogResource resource) => _violations.Add(1, Tags(pluginId, resource));

    public void Kill(string pluginId, WatchdogResource resource) => _kills.Add(1, Tags(pluginId, resource));

    public void Throttle(string pluginId, WatchdogResource resource) => _throttles.Add(1, Tags(pluginId, resource));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>The tag value of a resource, stable for dashboards.</summary>
    internal static string TagOf(WatchdogResource resource) => resource switch
    {
        WatchdogResource.Memory => "memory",
        WatchdogResource.CpuPercent => "cpu",
        WatchdogResource.CpuTime => "cpu_time",
        WatchdogResource.Threads => "threads",
        WatchdogResource.OpenFiles => "open_files",
        WatchdogResource.Disk => "disk",
        _ => "reported",
    };

    private static TagList Tags(string pluginId, WatchdogResource resource) =>
        new() { { "plugin", pluginId }, { "resource", TagOf(resource) } };

    private static IEnumerable<Measurement<T>> Observe<T>(IReadOnlyCollection<WatchedProcess> watched, Func<ResourceUsage, T> value)
        where T : struct
    {
        foreach (var process in watched)
        {
            if (process.Usage is { } usage)
            {
                yield return new Measurement<T>(value(usage), new KeyValuePair<string, object?>("plugin", process.PluginId));
            }
        }
    }
}
