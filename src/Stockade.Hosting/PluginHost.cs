using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Store;
using Stockade.Hosting.Monitoring;
using Stockade.Hosting.Workers;
using Stockade.Linux.Features;

namespace Stockade.Hosting;

/// <summary>
/// Loads plugins into confined worker processes, calls them, fires hooks, and stops them; owns the
/// store, the audit log, the broker's host services and the watchdog of one Stockade home.
/// </summary>
/// <remarks>Thread-safe. Dispose it to stop every worker (workers also die with the host process).</remarks>
public sealed partial class PluginHost : IAsyncDisposable
{
    private readonly PluginHostOptions _options;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, PluginSlot> _slots = new(StringComparer.Ordinal);
    private readonly Lazy<KernelFeatureReport> _features;
    private readonly Lazy<WorkerRuntime> _runtime;
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;
    private int _staleSparesSwept;

    /// <summary>Creates a host over <see cref="PluginHostOptions.Home"/>; creates the home's folders and store.</summary>
    public PluginHost(PluginHostOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        PluginHostOptionsValidator.ThrowIfInvalid(options); // every problem in one message, as ValidateOnStart gives them
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<PluginHost>();
        _time = timeProvider ?? TimeProvider.System;
        Home = new StockadeHome(options.Home);
        Home.EnsureCreated();
        Store = new StockadeStore(Home.Root, _time);
        Audit = new AuditLog(new AuditLogOptions { Directory = Home.AuditDirectory }, Store, _time, _loggerFactory.CreateLogger<AuditLog>());
        Audit.WriteFailed += OnAuditWriteFailed;
        _telemetry = NewTelemetry(); // Diagnostics/PluginHost.Diagnostics.cs
        Services = new HostServiceRegistry();
        Services.Registered += OnServicesRegistered; // PluginHost.Categories.cs
        Watchdog = new Watchdog(options.Watchdog ?? new WatchdogOptions(), _time, _loggerFactory.CreateLogger<Watchdog>());
        Watchdog.EventRaised += OnWatchdogEvent;
        _features = new Lazy<KernelFeatureReport>(() => Linux.Features.KernelFeatures.Probe(new Linux.Features.KernelFeatureProbeOptions { WorkerUserId = options.WorkerUserId ?? (WorkerIdentity.HostIsRoot ? options.WorkerUidFirst : null) }));
        _runtime = new Lazy<WorkerRuntime>(() => WorkerRuntime.Locate(_options.RuntimeDirectory), LazyThreadSafetyMode.PublicationOnly); // a failure is not cached: fixing the folder fixes the next load
        if (options.UsageEventInterval is { } usageInterval)
        {
            _ = ReportUsageAsync(usageInterval);
        }
    }

    /// <summary>Raised for every plugin event (started, crashed, timed out, denied, warned, throttled, killed…).</summary>
    public event EventHandler<PluginEvent>? PluginEvent;

    /// <summary>Decides run-time requests for optional permissions; null refuses them all.</summary>
    public IPermissionPrompt? PermissionPrompt { get; init; }

    /// <summary>The home folder layout.</summary>
    public StockadeHome Home { get; }

    // The SQLite store of installed plugins, grants and trusted keys: plumbing. Operators change it through
    // PluginInstaller (audited), applications never need it.
    internal StockadeStore Store { get; }

    /// <summary>The hash-chained audit log; subscribe to <see cref="AuditLog.RecordWritten"/> for live events.</summary>
    public AuditLog Audit { get; }

    /// <summary>Host services exposed to plugins through the broker.</summary>
    public HostServiceRegistry Services { get; }

    /// <summary>The watchdog measuring every worker.</summary>
    public Watchdog Watchdog { get; }

    /// <summary>What this machine's kernel can enforce (probed once).</summary>
    public KernelFeatureReport KernelFeatures => _features.Value;

    /// <summary>The plugins currently loaded.</summary>
    public IReadOnlyList<LoadedPlugin> Plugins => [.. _slots.Values.Select(s => s.Plugin)];

    /// <summary>Current resource usage of a plugin's worker, or null when none runs.</summary>
    public ResourceUsage? GetUsage(string pluginId) => Watchdog.GetUsage(pluginId);

    /// <summary>How long, in all, plugins have to answer <c>shutdown</c> and exit when the host is disposed; then they are killed.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stops every worker — all at once, within one grace period (<c>shutdown</c>, then a kill) — records their ends,
    /// flushes the audit log and closes the store. Calls in flight fail with <see cref="PluginFailureKind.StoppedByHost"/>,
    /// and loads in progress too. Never throws: a plugin that misbehaves or an audit log that cannot be written is
    /// logged, and everything else is still released.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Quietly("cancel starts", () => { _shutdown.Cancel(); return Task.CompletedTask; }).ConfigureAwait(false);
        await Quietly("stop plugins", () => Task.WhenAll(_slots.Keys.ToArray().Select(id => Quietly($"stop {id}", () => UnloadCoreAsync(id, "the host is shutting down", ShutdownGrace, CancellationToken.None))))
            .WaitAsync(ShutdownGrace + TimeSpan.FromSeconds(10))).ConfigureAwait(false);

        // Starts in progress record their outcome, and every worker's end is recorded, before the audit log closes.
        await Quietly("finish starts", () => Supervisor.StartsSettled().WaitAsync(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        await Quietly("record worker ends", () => Supervisor.ExitsRecorded().WaitAsync(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        await Quietly("watchdog", async () => await Watchdog.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        await Quietly("http", () => { _http?.Dispose(); _rateLimiter?.Dispose(); Services.Dispose(); return Task.CompletedTask; }).ConfigureAwait(false);
        await Quietly("audit", async () => await Audit.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        await Quietly("telemetry", () => { _telemetry.Dispose(); return Task.CompletedTask; }).ConfigureAwait(false);
        await Quietly("store", () => { Store.Dispose(); return Task.CompletedTask; }).ConfigureAwait(false);
        _shutdown.Dispose();
    }

    // One step of DisposeAsync: its failure is logged, never thrown, and never keeps the next steps from running.
    private async Task Quietly(string step, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.WorkerEnded(_logger, "(host)", $"shutdown step '{step}' failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private void Raise(string pluginId, PluginEventKind kind, string message, Core.Manifest.ResourceLimits? limits = null) =>
        RaiseEvent(new PluginEvent(pluginId, kind, message, _time.GetUtcNow()) { Limits = limits });

    private void RaiseEvent(PluginEvent e)
    {
        _telemetry.OnEvent(e); // Diagnostics/: worker restarts, kills, crashes, disabled plugins
        try
        {
            PluginEvent?.Invoke(this, e);
        }
        catch (Exception ex)
        {
            // A subscriber's bug must not break the host's bookkeeping.
            Log.EventHandlerFailed(_logger, e.PluginId, e.Kind, ex);
        }
    }

    private ValueTask<AuditRecord> AuditAsync(string action, AuditDecision decision, AuditLayer layer, string? plugin, string? permission = null, string? resource = null, IReadOnlyDictionary<string, string>? details = null) =>
        Audit.AppendAsync(new AuditEntry(action, decision, layer) { Plugin = plugin, Permission = permission, Resource = resource, Details = details });

    private PluginSlot GetSlot(string pluginId) =>
        _slots.TryGetValue(pluginId, out var slot)
            ? slot
            : throw new PluginNotFoundException(pluginId, $"plugin '{pluginId}' is not loaded", "load it first (PluginHost.LoadAsync), or check the id with 'stockade list'.");
}
