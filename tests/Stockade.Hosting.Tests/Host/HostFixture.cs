using System.Collections.Concurrent;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// One started <see cref="PluginHost"/> over a <see cref="HostWorld"/>, shared by a test class; its
/// workers run as root or, in <see cref="NobodyHostFixture"/>, as uid 65534.
/// </summary>
public abstract class HostFixture : IAsyncLifetime
{
    public const string SecretName = "STOCKADE_TEST_SECRET";

    protected HostFixture(int? workerUid) => WorkerUid = workerUid;

    public int? WorkerUid { get; }

    public HostWorld World { get; } = new();

    public PluginHost Host { get; private set; } = null!;

    public ConcurrentQueue<PluginEvent> Events { get; } = new();

    public PluginHostOptions Options() => new()
    {
        Home = World.Home,
        WorkerUserId = WorkerUid,
        WorkerGroupId = WorkerUid,
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { [SecretName] = "hunter2", ["LANG"] = "C.UTF-8" },
        Watchdog = new Monitoring.WatchdogOptions { Interval = TimeSpan.FromMilliseconds(200), ThrottleAfter = 3, KillAfter = 10, DiskEvery = 1 },
        RestartWindow = TimeSpan.FromMinutes(5),
        MaxRestarts = 2,
    };

    public virtual Task InitializeAsync()
    {
        var options = Options();
        Configure(options);
        Host = new PluginHost(options);
        Host.PluginEvent += (_, e) => Events.Enqueue(e);
        return Task.CompletedTask;
    }

    /// <summary>Lets a fixture change the host's options (e.g. its environment) before the host is built.</summary>
    protected virtual void Configure(PluginHostOptions options)
    {
    }

    public virtual async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        World.Dispose();
    }

    public bool Saw(string pluginId, PluginEventKind kind) => Events.Any(e => e.PluginId == pluginId && e.Kind == kind);
}

/// <summary>Workers run as root (the host's uid).</summary>
public sealed class RootHostFixture() : HostFixture(null);

/// <summary>Workers run as nobody (65534).</summary>
public sealed class NobodyHostFixture() : HostFixture(65534);
