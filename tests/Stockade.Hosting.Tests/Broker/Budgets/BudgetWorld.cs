using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Broker.Budgets;

/// <summary>
/// A host with budgets of its own over a <see cref="HostWorld"/>, for tests that flood it with real workers: copies of
/// samples/plugins/flood-python (the offender) and samples/plugins/capabilities-csharp (a bystander making brokered calls).
/// </summary>
internal sealed class BudgetWorld : IAsyncDisposable
{
    public const string Bystander = "t.bystander";

    private BudgetWorld(int? workerUid, BudgetOptions budgets)
    {
        Host = new PluginHost(new PluginHostOptions
        {
            Home = World.Home,
            WorkerUserId = workerUid,
            WorkerGroupId = workerUid,
            Budgets = budgets,
            MaxRestarts = 0,
        });
        Host.Services.Register("clock", new Clock());
        Host.PluginEvent += (_, e) => Events.Enqueue(e);
    }

    public HostWorld World { get; } = new();

    public PluginHost Host { get; }

    public ConcurrentQueue<PluginEvent> Events { get; } = new();

    public static BudgetWorld Create(int? workerUid, BudgetOptions budgets) => new(workerUid, budgets);

    /// <summary>Loads a copy of the flood-python sample as <paramref name="id"/>.</summary>
    public async Task LoadFloodAsync(string id)
    {
        var manifest = string.Join('\n', File.ReadAllLines(Path.Combine(HostWorld.SamplesDirectory, "flood-python", "plugin.yaml"))
            .Where(l => !l.StartsWith("id:", StringComparison.Ordinal) && !l.StartsWith("name:", StringComparison.Ordinal)
                && !l.StartsWith("version:", StringComparison.Ordinal) && !l.StartsWith("publisher:", StringComparison.Ordinal)));
        await Host.LoadAsync(World.Plugin("flood-python", id, manifest), new PluginLoadOptions { Level = "sandboxed" });
    }

    /// <summary>Loads the capabilities sample granted <c>clock:read</c>: its <c>service</c> method is a brokered call.</summary>
    public async Task LoadBystanderAsync()
    {
        var manifest = """
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: { init: 30s, call: 30s, hook: 2s }
            permissions:
              required:
                - permission: clock:read
                  reason: tests
            """;
        await Host.LoadAsync(World.Plugin("capabilities-csharp", Bystander, manifest), new PluginLoadOptions { Level = "sandboxed", Grants = ["clock:read"] });
    }

    /// <summary>One brokered call of the bystander; throws unless the host answered it.</summary>
    public async Task BrokeredCallAsync()
    {
        var outcome = await Host.InvokeAsync(Bystander, "service", JsonSerializer.SerializeToElement(new { service = "clock", method = "now" }));
        outcome.GetProperty("ok").GetBoolean().ShouldBeTrue(outcome.ToString());
        outcome.GetProperty("value").GetString().ShouldBe(Clock.Now);
    }

    public async Task<List<AuditRecord>> AuditAsync(string? plugin = null)
    {
        await Host.Audit.FlushAsync();
        return [.. new AuditReader(Host.Home.AuditDirectory).Query(new AuditQuery { Plugin = plugin })];
    }

    public AuditVerifyResult Verify() => AuditVerifier.Verify(Host.Home.AuditDirectory, ((IAuditHeadStore)Host.Store).Read());

    public bool Saw(string pluginId, PluginEventKind kind) => Events.Any(e => e.PluginId == pluginId && e.Kind == kind);

    public static async Task WaitForAsync(Func<bool> condition, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < within)
        {
            await Task.Delay(50);
        }

        condition().ShouldBeTrue($"not within {within}");
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        World.Dispose();
    }

    public sealed class Clock
    {
        public const string Now = "2026-12-06T12:00:00Z";

        [RequiresPermission("clock:read")]
        [HostServiceMethod("now")]
        public string GetNow() => Now;
    }
}
