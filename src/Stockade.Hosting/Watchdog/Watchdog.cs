using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Stockade.Hosting.Monitoring.Escalation;
using Stockade.Hosting.Monitoring.Sampling;

namespace Stockade.Hosting.Monitoring;

/// <summary>
/// Samples watched processes on one timer and escalates warn → throttle → kill (design §7).
/// </summary>
/// <remarks>
/// The watchdog knows processes, not plugins: the owner of a process calls <see cref="Watch"/> with its
/// limits and an <see cref="IWatchdogTarget"/> that can throttle and kill it. Every watched process is
/// sampled every <see cref="WatchdogOptions.Interval"/> (CPU, memory, threads and descendants, so a hard
/// limit is caught within one interval); its descriptors, sockets and storage bytes every
/// <see cref="WatchdogOptions.DetailsEvery"/> samples (every sample near its open-files limit); its data
/// folder every <see cref="WatchdogOptions.DiskEvery"/> samples. A process that exits is dropped quietly.
/// </remarks>
public sealed class Watchdog : IAsyncDisposable
{
    /// <summary>The name of the meter the watchdog's instruments are on.</summary>
    public const string MeterName = "Stockade";

    private readonly WatchdogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IUsageSource _source;
    private readonly WatchdogMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WatchedProcess> _watched = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sampling = new(1, 1);
    private readonly List<EscalationStep> _steps = [];
    private readonly ITimer _timer;
    private WatchedProcess[] _snapshot = [];
    private bool _disposed;

    /// <summary>Creates a watchdog that samples <c>/proc</c>; its timer starts at once.</summary>
    /// <param name="options">Interval and escalation thresholds; validated here.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> outside tests.</param>
    /// <param name="logger">Where escalations and failures are logged; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <see cref="MeterName"/> meter; the watchdog owns a meter of its own when <see langword="null"/>.</param>
    /// <exception cref="OptionsValidationException"><paramref name="options"/> are out of range; the message lists each problem.</exception>
    public Watchdog(WatchdogOptions options, TimeProvider time, ILogger<Watchdog>? logger, IMeterFactory? meterFactory = null)
        : this(options, time, logger, meterFactory, new ProcessSampler())
    {
    }

    internal Watchdog(WatchdogOptions options, TimeProvider time, ILogger<Watchdog>? logger, IMeterFactory? meterFactory, IUsageSource source)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var validation = new WatchdogOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(WatchdogOptions), validation.Failures);
        }

        _options = options;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _source = source;
        _metrics = new WatchdogMetrics(meterFactory, () => Volatile.Read(ref _snapshot));
        _timer = time.CreateTimer(static state => ((Watchdog)state!).Sample(), this, options.Interval, options.Interval);
    }

    /// <summary>Raised for every escalation step, after the target was asked to act. Handlers run on the sampling thread and must be quick.</summary>
    public event EventHandler<WatchdogEvent>? EventRaised;

    /// <summary>Starts watching a process (and its descendants) until the returned handle is disposed or the process exits.</summary>
    /// <param name="pluginId">The plugin the process belongs to; one watched process per plugin at a time.</param>
    /// <param name="pid">The process id.</param>
    /// <param name="dataDirectory">The folder whose size counts against <see cref="WatchdogLimits.DiskBytes"/> (<c>$PLUGIN_DATA</c>); <see langword="null"/> for none.</param>
    /// <param name="limits">The limits to enforce; <see cref="WatchdogLimits.Validate"/> must report no problem.</param>
    /// <param name="target">What throttles and kills the process.</param>
    /// <param name="tempDirectory">The worker's own <c>$TEMP</c>, counted with <paramref name="dataDirectory"/> against <see cref="WatchdogLimits.DiskBytes"/>; <see langword="null"/> for none.</param>
    /// <returns>Disposing it stops the watch; disposing twice is harmless. When the process has already exited, nothing is watched.</returns>
    /// <exception cref="ArgumentException"><paramref name="limits"/> holds a zero or negative limit, or <paramref name="pid"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="pluginId"/> is already watched.</exception>
    /// <exception cref="ObjectDisposedException">The watchdog was disposed.</exception>
    public IDisposable Watch(string pluginId, int pid, string? dataDirectory, WatchdogLimits limits, IWatchdogTarget target, string? tempDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pluginId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(target);
        var problems = limits.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(limits));
        }

        // The baseline makes the first CPU figure cover the time since this call. The clock is read
        // before /proc: a read can take long on a loaded machine, and CPU counted during it must not
        // be divided by a window that starts after it.
        var baselineTimestamp = _time.GetTimestamp();
        if (!_source.TryRead(pid, details: true, out var baseline))
        {
            WatchdogLog.Exited(_logger, pluginId, pid);
            return NoWatch.Instance;
        }

        var process = new WatchedProcess(pluginId, pid, dataDirectory, tempDirectory, limits, target, _options, baseline, baselineTimestamp);
        process.StartCpuWindow(process.Cgroup?.ReadCounters());
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_watched.TryGetValue(pluginId, out var existing))
            {
                throw new InvalidOperationException(
                    $"Plugin '{pluginId}' is already watched (pid {existing.Pid}); dispose that watch before watching its new process.");
            }

            _watched.Add(pluginId, process);
            Publish();
        }

        WatchdogLog.Watching(_logger, pluginId, pid);
        return new WatchHandle(this, process);
    }

    /// <summary>The latest sample of the plugin's process.</summary>
    /// <param name="pluginId">The plugin.</param>
    /// <returns><see langword="null"/> when the plugin is not watched or was not sampled yet.</returns>
    public ResourceUsage? GetUsage(string pluginId)
    {
        lock (_gate)
        {
            return _watched.TryGetValue(pluginId, out var process) ? process.Usage : null;
        }
    }

    /// <summary>
    /// Counts one violation from outside the watchdog, e.g. the broker seeing repeated rate-limit abuse;
    /// it escalates like a soft-limit violation and may throttle or kill at once.
    /// </summary>
    /// <param name="pluginId">The plugin.</param>
    /// <param name="reason">Why, for the event message and the audit trail.</param>
    /// <returns><see langword="false"/> when the plugin is not watched (nothing to count against).</returns>
    public bool ReportViolation(string pluginId, string reason)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(reason);
        WatchedProcess? process;
        lock (_gate)
        {
            if (!_watched.TryGetValue(pluginId, out process))
            {
                return false;
            }
        }

        var steps = new List<EscalationStep>(2);
        lock (process.Gate)
        {
            process.Escalation.Report(reason, steps);
        }

        Apply(process, steps, process.Usage);
        return true;
    }

    /// <summary>Stops the timer, waits for a sample in progress and releases the meter.</summary>
    /// <returns>A task that completes when the watchdog is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watched.Clear();
            Publish();
        }

        await _timer.DisposeAsync();
        await _sampling.WaitAsync();
        _sampling.Dispose();
        _metrics.Dispose();
    }

    private void Sample()
    {
        if (!_sampling.Wait(0))
        {
            WatchdogLog.Overrun(_logger, _options.Interval);
            return;
        }

        try
        {
            var watched = Volatile.Read(ref _snapshot);
            if (watched.Length == 0)
            {
                return;
            }

            _source.Refresh();
            foreach (var process in watched)
            {
                try
                {
                    SampleOne(process);
                }
                catch (Exception ex)
                {
                    WatchdogLog.SampleFailed(_logger, ex, process.PluginId, process.Pid);
                }
            }
        }
        finally
        {
            _sampling.Release();
        }
    }

    /// <summary>
    /// The quota's figure: <c>$PLUGIN_DATA</c> plus the worker's <c>$TEMP</c>, one entry cap shared by both. A scan
    /// that reaches the cap counts as over the limit (the walk is bounded; the plugin cannot make it unbounded).
    /// </summary>
    private long? MeasureDisk(WatchedProcess process)
    {
        long? total = null;
        var entriesLeft = (long)_options.DiskMaxEntries;
        foreach (var folder in new[] { process.DataDirectory, process.TempDirectory })
        {
            if (folder is null || _source.MeasureDisk(folder, _options.DiskScanBudget, entriesLeft) is not { } measure)
            {
                continue;
            }

            total = (total ?? 0) + measure.Bytes;
            entriesLeft -= measure.Entries;
            if (measure.TooMany || entriesLeft <= 0)
            {
                WatchdogLog.DiskTooManyEntries(_logger, process.PluginId, _options.DiskMaxEntries);
                return process.DiskLimit is { } limit ? Math.Max(total.Value, limit + 1) : total;
            }
        }

        return total;
    }

    private void SampleOne(WatchedProcess process)
    {
        var now = _time.GetTimestamp();
        var details = --process.SamplesUntilDetails < 0 || process.LastDetails.OpenFiles >= process.DetailsEveryTickFrom;
        if (!_source.TryRead(process.Pid, details, out var reading) || reading.StartTime != process.StartTime)
        {
            Unwatch(process);
            WatchdogLog.Exited(_logger, process.PluginId, process.Pid);
            return;
        }

        if ((process.DataDirectory is not null || process.TempDirectory is not null) && --process.SamplesUntilDisk < 0)
        {
            process.DiskBytes = MeasureDisk(process);
            process.SamplesUntilDisk = _options.DiskEvery - 1;
        }

        var previous = process.Usage;
        double? readRate = previous?.ReadBytesPerSecond, writeRate = previous?.WriteBytesPerSecond;
        if (reading.HasDetails)
        {
            process.SamplesUntilDetails = _options.DetailsEvery - 1;
            var detailsElapsed = _time.GetElapsedTime(process.LastDetailsTimestamp, now);
            if (detailsElapsed >= _options.Interval / 2)
            {
                readRate = UsageMath.Rate(process.LastDetails.ReadBytes, reading.ReadBytes, detailsElapsed.TotalSeconds);
                writeRate = UsageMath.Rate(process.LastDetails.WriteBytes, reading.WriteBytes, detailsElapsed.TotalSeconds);
                process.LastDetails = reading;
                process.LastDetailsTimestamp = now;
            }
        }
        else
        {
            // Between detail reads the last counted descriptors, sockets and bytes stand.
            var last = process.LastDetails;
            reading = reading with { OpenFiles = last.OpenFiles, Sockets = last.Sockets, ReadBytes = last.ReadBytes, WriteBytes = last.WriteBytes };
        }

        // CPU time moves in 10 ms clock ticks, so a short window (a first tick right after Watch, a late
        // timer catching up) gives wild percentages: the rate then keeps its previous value and the window
        // stays open until it spans at least half an interval. Storage rates have a window of their own.
        var elapsed = _time.GetElapsedTime(process.LastTimestamp, now);
        var usage = UsageMath.Compute(process.LastReading, reading, elapsed, process.DiskBytes, _time.GetUtcNow())
            with { ReadBytesPerSecond = readRate, WriteBytesPerSecond = writeRate };
        var cgroup = process.Cgroup?.ReadCounters();
        if (cgroup is not null)
        {
            usage = usage with
            {
                CgroupMemoryBytes = cgroup.MemoryCurrentBytes,
                CgroupTasks = cgroup.TasksCurrent,
                CgroupTasksLimitHits = cgroup.TasksLimitHits,
                CgroupProcesses = CountProcesses(process.Cgroup!),
                CpuThrottledPeriodsPercent = previous?.CpuThrottledPeriodsPercent,
                CpuQuotaPercent = cgroup.CpuQuotaPercent,
            };
        }

        if (elapsed < _options.Interval / 2)
        {
            usage = usage with { CpuPercent = previous?.CpuPercent ?? 0 };
        }
        else
        {
            process.LastReading = reading;
            process.LastTimestamp = now;
            if (cgroup is not null)
            {
                usage = CgroupCpu(process, cgroup, usage, elapsed);
            }
        }

        process.Usage = usage;

        _steps.Clear();
        lock (process.Gate)
        {
            process.Escalation.Evaluate(usage, _steps);
        }

        Apply(process, _steps, usage);
    }

    /// <summary>
    /// Closes the CPU window on the cgroup's counters: the use is what the cgroup counted for every task it holds
    /// (v1 <c>cpuacct.usage</c>, v2 <c>usage_usec</c>: children the process tree lost included), and how often it wanted
    /// more than its quota is the share of quota periods throttled (<c>nr_throttled</c> ÷ <c>nr_periods</c>). The
    /// throttled time is not read into either: summed over CPUs, it is waiting, not demand.
    /// </summary>
    private static ResourceUsage CgroupCpu(WatchedProcess process, Linux.Cgroups.CgroupCounters cgroup, ResourceUsage usage, TimeSpan elapsed)
    {
        if (cgroup.CpuUsage is { } used && process.LastCgroupCpu is { } usedBefore)
        {
            usage = usage with { CpuPercent = Math.Max(0, (used - usedBefore).TotalSeconds / elapsed.TotalSeconds * 100) };
        }

        if (cgroup.CpuPeriods is { } periods && cgroup.CpuThrottledPeriods is { } throttled
            && process.LastCpuPeriods is { } periodsBefore && process.LastCpuThrottledPeriods is { } throttledBefore)
        {
            // No period elapsed: the cgroup was idle (the kernel stops counting periods), so nothing held it back.
            var ran = periods - periodsBefore;
            usage = usage with { CpuThrottledPeriodsPercent = ran > 0 ? Math.Clamp((throttled - throttledBefore) * 100.0 / ran, 0, 100) : 0 };
        }
        else if (cgroup.CpuPeriods is null)
        {
            usage = usage with { CpuThrottledPeriodsPercent = null };
        }

        process.StartCpuWindow(cgroup);
        return usage;
    }

    /// <summary>The processes in the cgroup: the lines of its (first) <c>cgroup.procs</c>, or <see langword="null"/> when unreadable.</summary>
    private static long? CountProcesses(Linux.Cgroups.IWorkerCgroup cgroup)
    {
        if (cgroup.ProcsFiles is not [var procs, ..])
        {
            return null;
        }

        try
        {
            long count = 0;
            foreach (var line in File.ReadLines(procs))
            {
                if (line.Length > 0)
                {
                    count++;
                }
            }

            return count;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Apply(WatchedProcess process, List<EscalationStep> steps, ResourceUsage? usage)
    {
        foreach (var step in steps)
        {
            switch (step.Action)
            {
                case EscalationAction.Violation:
                    _metrics.Violation(process.PluginId, step.Resource);
                    break;
                case EscalationAction.Warn:
                    Raise(process, WatchdogEventKind.ResourceWarning, step, usage);
                    break;
                case EscalationAction.Throttle:
                    _metrics.Throttle(process.PluginId, step.Resource);
                    Throttle(process, Raise(process, WatchdogEventKind.Throttled, step, usage, deferred: true), release: false);
                    break;
                case EscalationAction.Release:
                    Throttle(process, Raise(process, WatchdogEventKind.Recovered, step, usage, deferred: true), release: true);
                    break;
                case EscalationAction.Kill:
                    Unwatch(process);
                    _metrics.Kill(process.PluginId, step.Resource);
                    Kill(process, Raise(process, WatchdogEventKind.Killed, step, usage, deferred: true));
                    break;
                default:
                    break;
            }
        }
    }

    private void Throttle(WatchedProcess process, WatchdogEvent e, bool release)
    {
        try
        {
            process.Target.Throttle(new ThrottleRequest { PluginId = process.PluginId, Pid = process.Pid, Release = release, Event = e });
        }
        catch (Exception ex)
        {
            WatchdogLog.TargetFailed(_logger, ex, process.PluginId, release ? "unthrottle" : "throttle", process.Pid);
        }

        Publish(e);
    }

    private void Kill(WatchedProcess process, WatchdogEvent e)
    {
        try
        {
            process.Target.Kill(new KillRequest { PluginId = process.PluginId, Pid = process.Pid, Event = e });
        }
        catch (Exception ex)
        {
            WatchdogLog.TargetFailed(_logger, ex, process.PluginId, "kill", process.Pid);
        }

        Publish(e);
    }

    /// <summary>Builds and logs the event; publishes it at once unless the target must act first.</summary>
    private WatchdogEvent Raise(WatchedProcess process, WatchdogEventKind kind, in EscalationStep step, ResourceUsage? usage, bool deferred = false)
    {
        var e = new WatchdogEvent
        {
            PluginId = process.PluginId,
            Kind = kind,
            Resource = step.Resource,
            Limit = step.Limit,
            Observed = step.Observed,
            Violations = step.Violations,
            Usage = usage,
            At = _time.GetUtcNow(),
            Message = EscalationMessages.Describe(process.PluginId, step, _options),
        };
        var level = kind is WatchdogEventKind.Throttled or WatchdogEventKind.Killed ? LogLevel.Warning : LogLevel.Information;
        WatchdogLog.Escalated(_logger, level, kind, process.PluginId, e.Message);
        if (!deferred)
        {
            Publish(e);
        }

        return e;
    }

    private void Publish(WatchdogEvent e)
    {
        try
        {
            EventRaised?.Invoke(this, e);
        }
        catch (Exception ex)
        {
            WatchdogLog.HandlerFailed(_logger, ex, e.PluginId);
        }
    }

    private void Unwatch(WatchedProcess process)
    {
        lock (_gate)
        {
            if (_watched.TryGetValue(process.PluginId, out var current) && ReferenceEquals(current, process))
            {
                _watched.Remove(process.PluginId);
                Publish();
            }
        }
    }

    /// <summary>Republishes the array the timer iterates, so sampling never holds the lock. Caller holds <see cref="_gate"/>.</summary>
    private void Publish() => Volatile.Write(ref _snapshot, [.. _watched.Values]);

    private sealed class WatchHandle(Watchdog owner, WatchedProcess process) : IDisposable
    {
        public void Dispose() => owner.Unwatch(process);
    }

    private sealed class NoWatch : IDisposable
    {
        public static NoWatch Instance { get; } = new();

        public void Dispose()
        {
        }
    }
}
