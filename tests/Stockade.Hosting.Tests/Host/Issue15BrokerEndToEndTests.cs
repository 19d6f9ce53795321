using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Audit;
using Stockade.Hosting.Tests.Broker.Http;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue 15 with real confined workers: a host service over its rate limit is not performed, allowed key-value calls
/// are audited, a revoke made through the host is in force before it returns (raced against a stream of brokered
/// HTTP requests to a real server on 127.0.0.1), and a grant whose audit record cannot be written is not stored.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15BrokerEndToEndTests : IAsyncLifetime
{
    private const string Id = "t.i15";
    private static readonly DateTimeOffset Today = new(DateTimeOffset.UtcNow.UtcDateTime.Date.AddHours(12), TimeSpan.Zero);
    private readonly HostWorld _world = new();
    private readonly CountingClock _clock = new();
    private readonly ManualTimeProvider _time = new(Today);
    private readonly LoopbackHttpServer _server = new(_ => ServerResponse.Text(200, "served"));
    private PluginHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new PluginHost(
            new PluginHostOptions
            {
                Home = _world.Home,
                NameResolver = (name, _) => Task.FromResult(name == "api.test.local" ? new[] { IPAddress.Loopback } : Array.Empty<IPAddress>()),
            },
            timeProvider: _time);
        _host.Services.Register("clock", _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task HostService_OverManifestRateLimit_PerformedOnce_RefusalAuditedAsRateLimited()
    {
        await InstallCapabilitiesAsync(["clock:read"], rateLimits: "rateLimits:\n  \"clock:read\": 1/min\n");

        var first = await CallAsync("service", new { service = "clock", method = "now" });
        var second = await CallAsync("service", new { service = "clock", method = "now" });

        first.GetProperty("ok").GetBoolean().ShouldBeTrue(first.ToString());
        second.GetProperty("code").GetString().ShouldBe("rate_limited");
        _clock.Calls.ShouldBe(1, "the application's method ran for a call that was refused as rate limited");
        var records = await AuditAsync();
        records.Count(r => r.Action == AuditActions.ServiceCall && r.Resource == "clock.now").ShouldBe(1);
        records.ShouldContain(r => r.Action == AuditActions.PermissionDenied && r.Details != null && r.Details.GetValueOrDefault("reason") == "rate_limited");
    }

    [Fact]
    public async Task HostService_OverItsRateLimitAttribute_RefusalAudited()
    {
        await InstallCapabilitiesAsync(["clock:tick"]);

        (await CallAsync("service", new { service = "clock", method = "tick" })).GetProperty("ok").GetBoolean().ShouldBeTrue();
        var limited = await CallAsync("service", new { service = "clock", method = "tick" });

        limited.GetProperty("code").GetString().ShouldBe("rate_limited");
        _clock.Ticks.ShouldBe(1);
        (await AuditAsync()).ShouldContain(r => r.Action == AuditActions.PermissionDenied && r.Resource == "clock.tick"
            && r.Details != null && r.Details.GetValueOrDefault("reason") == "rate_limited");
    }

    [Fact]
    public async Task KeyValue_AllowedReadsAndWrites_AreAudited_ValuesNeverWritten()
    {
        await InstallCapabilitiesAsync(["database:write=notes", "database:read=notes"]);

        (await CallAsync("kvSet", new { key = "notes/a", value = "the-secret-value" })).GetProperty("ok").GetBoolean().ShouldBeTrue();
        (await CallAsync("kvGet", new { key = "notes/a" })).GetProperty("value").GetString().ShouldBe("the-secret-value");

        var records = await AuditAsync();
        records.ShouldContain(r => r.Action == AuditActions.ServiceCall && r.Decision == AuditDecision.Allow && r.Permission == "database:write=notes" && r.Resource == "kv:notes/a");
        records.ShouldContain(r => r.Action == AuditActions.ServiceCall && r.Decision == AuditDecision.Allow && r.Permission == "database:read=notes" && r.Resource == "kv:notes/a");
        var file = Directory.GetFiles(_host.Home.AuditDirectory, "audit-*.jsonl").Single();
        (await File.ReadAllTextAsync(file)).ShouldNotContain("the-secret-value");
    }

    [Fact]
    public async Task Revoke_ThroughTheHost_RacedAgainstBrokeredRequests_InForceOnReturn_NoAllowAfterItsRecord()
    {
        var port = _server.Port;
        var permission = $"network:request=api.test.local:{port}";
        var folder = _world.Misbehave(Id, permissions: $"    - {permission}\n    - network:request=127.0.0.1:{port}");
        var installer = new PluginInstaller(_host);
        installer.Install(folder, new InstallOptions { Grants = [permission, $"network:request=127.0.0.1:{port}"], Level = "sandboxed" });
        await _host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
        var url = $"http://api.test.local:{port}/x";
        var startedAfterRevoke = new ConcurrentQueue<(long Started, bool Served)>();

        for (var round = 0; round < 4; round++)
        {
            if (round > 0)
            {
                installer.Grant(Id, permission, "test");
            }

            using var stop = new CancellationTokenSource();
            var served = 0;
            long returnedAt = long.MaxValue;
            var streams = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    bool ok;
                    try
                    {
                        await _host.InvokeAsync(Id, "fetch", HostWorld.Json(new { url }));
                        ok = true;
                        Interlocked.Increment(ref served);
                    }
                    catch (PluginException)
                    {
                        ok = false;
                    }

                    if (started > Volatile.Read(ref returnedAt))
                    {
                        startedAfterRevoke.Enqueue((started, ok));
                    }
                }
            })).ToArray();

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Volatile.Read(ref served) < 3 + (round * 2) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            Volatile.Read(ref served).ShouldBeGreaterThan(0, "no brokered request was served before the revoke");
            installer.Revoke(Id, permission, "test");
            Volatile.Write(ref returnedAt, Stopwatch.GetTimestamp());
            await Task.Delay(300);
            await stop.CancelAsync();
            await Task.WhenAll(streams);
        }

        // In force before Revoke returned: every request started afterwards was refused.
        startedAfterRevoke.ShouldNotBeEmpty();
        startedAfterRevoke.Where(s => s.Served).ShouldBeEmpty("a request started after Revoke returned was served");

        // And in the audit log no allow follows a revoke's record until the next grant's.
        var revoked = false;
        foreach (var record in (await AuditAsync()).OrderBy(r => r.Seq))
        {
            if (record.Permission == permission && record.Action == AuditActions.PermissionRevoked)
            {
                revoked = true;
            }
            else if (record.Permission == permission && record.Action == AuditActions.PermissionGranted)
            {
                revoked = false;
            }
            else if (revoked && record.Action == AuditActions.NetworkRequest && record.Decision == AuditDecision.Allow)
            {
                throw new ShouldAssertException($"record {record.Seq} allows {record.Resource} after the revoke's record");
            }
        }
    }

    [Fact]
    public async Task Grant_AuditRecordCannotBeWritten_NothingStored_AuditWriteException()
    {
        await InstallCapabilitiesAsync([], optional: ["clock:read"]);
        _host.Store.GetGrants(Id).ShouldNotContain(g => g.Permission == "clock:read" && g.Allowed);
        await _host.Audit.FlushAsync();

        // The next record goes to tomorrow's file, where a folder now stands.
        var blocker = Directory.CreateDirectory(Path.Combine(_host.Home.AuditDirectory, $"audit-{Today.AddDays(1):yyyy-MM-dd}.jsonl"));
        _time.Set(Today.AddDays(1));

        try
        {
            Should.Throw<AuditWriteException>(() => new PluginInstaller(_host).Grant(Id, "clock:read", "test"));
        }
        finally
        {
            blocker.Delete(); // so the host can record its own shutdown
        }

        _host.Store.GetGrants(Id).ShouldNotContain(g => g.Permission == "clock:read" && g.Allowed, "a grant was stored without its audit record");
        var refused = await CallAsync("service", new { service = "clock", method = "now" });
        refused.GetProperty("ok").GetBoolean().ShouldBeFalse();
        _clock.Calls.ShouldBe(0);
    }

    private async Task InstallCapabilitiesAsync(string[] required, string rateLimits = "", string[]? optional = null)
    {
        static string List(string[] items) => items.Length == 0 ? " []" : string.Concat(items.Select(p => $"\n    - permission: {p}\n      reason: tests"));
        var manifest = $"""
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: {"{"} init: 30s, call: 10s, hook: 2s {"}"}
            permissions:
              required:{List(required)}
              optional:{List(optional ?? [])}
            {rateLimits}
            """;
        var folder = _world.Plugin("capabilities-csharp", Id, manifest);
        new PluginInstaller(_host).Install(folder, new InstallOptions { Grants = required, Level = "sandboxed" });
        await _host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
    }

    private async Task<JsonElement> CallAsync(string method, object input) =>
        await _host.InvokeAsync(Id, method, JsonSerializer.SerializeToElement(input));

    private async Task<List<AuditRecord>> AuditAsync()
    {
        await _host.Audit.FlushAsync();
        return [.. new AuditReader(_host.Home.AuditDirectory).Query(new AuditQuery { Plugin = Id })];
    }

    /// <summary>A host application's service that counts how often its methods really ran.</summary>
    public sealed class CountingClock
    {
        private int _calls;
        private int _ticks;

        public int Calls => Volatile.Read(ref _calls);

        public int Ticks => Volatile.Read(ref _ticks);

        [RequiresPermission("clock:read")]
        [HostServiceMethod("now")]
        public string GetNow()
        {
            Interlocked.Increment(ref _calls);
            return "2026-12-07T00:00:00Z";
        }

        [RequiresPermission("clock:tick")]
        [HostServiceMethod("tick")]
        [RateLimit(1, "1h")]
        public int Tick() => Interlocked.Increment(ref _ticks);
    }
}
