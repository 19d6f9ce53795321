using System.Collections.Concurrent;
using System.Text.Json;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Installation;

namespace Stockade.Hosting.Tests.Issue15;

/// <summary>
/// Issue 15, "one pipeline": authorize → rate limit → audit → perform, seen from outside. A rate-limited host
/// service runs the application's method once for two calls and the refusal is audited as a rate limit; a
/// <c>[RateLimit]</c> refusal is audited; allowed key-value calls are audited; a revoke made through the host's
/// API is in force before it returns, and no allow record follows the revoke's record. Uses
/// samples/plugins/capabilities-csharp in real confined workers.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15HostilePipelineTests
{
    private const string Id = "t.pipeline";

    [Fact]
    public async Task HostService_ManifestRateLimitOnePerMinute_TwoCalls_AppRanOnce_RefusalAuditedAsRateLimited()
    {
        await using var w = new Issue15World();
        var clock = new CountingClock();
        w.Host.Services.Register("clock", clock);
        await LoadAsync(w, ["clock:read"], ["clock:read"], extra: "rateLimits:\n  \"clock:read\": 1/min");

        var first = await CallAsync(w, "service", new { service = "clock", method = "now" });
        var second = await CallAsync(w, "service", new { service = "clock", method = "now" });

        first.GetProperty("ok").GetBoolean().ShouldBeTrue(first.ToString());
        second.GetProperty("ok").GetBoolean().ShouldBeFalse(second.ToString());
        second.GetProperty("code").GetString().ShouldBe("rate_limited");
        clock.Calls.ShouldBe(1, "the application's method ran for a call that was refused as rate-limited (performed before limited)");
        var records = await Issue15.AuditOfAsync(w.Host, w.Home, Id);
        records.Count(r => r.Decision == "allow" && r.Mentions("clock.now")).ShouldBe(1, Issue15.Describe(records));
        AssertRateLimitedRefusal(records);
    }

    [Fact]
    public async Task HostService_AttributeRateLimit_RefusalIsAudited()
    {
        await using var w = new Issue15World();
        var clock = new CountingClock();
        w.Host.Services.Register("clock", clock);
        await LoadAsync(w, ["clock:read"], ["clock:read"]);

        (await CallAsync(w, "service", new { service = "clock", method = "limited" })).GetProperty("ok").GetBoolean().ShouldBeTrue();
        var refused = await CallAsync(w, "service", new { service = "clock", method = "limited" });

        refused.GetProperty("ok").GetBoolean().ShouldBeFalse(refused.ToString());
        refused.GetProperty("code").GetString().ShouldBe("rate_limited");
        clock.Limited.ShouldBe(1);
        AssertRateLimitedRefusal(await Issue15.AuditOfAsync(w.Host, w.Home, Id));
    }

    /// <summary>Allowed key-value calls are audited (today they are not, and no decision says so).</summary>
    [Fact]
    public async Task KeyValue_AllowedWritesAndDeletes_EachHasItsRecord()
    {
        await using var w = new Issue15World();
        await InstallAndLoadAsync(w, ["database:write=notes"], ["database:write=notes"]);

        foreach (var key in new[] { "notes/alpha-15", "notes/beta-15", "notes/gamma-15" })
        {
            (await CallAsync(w, "kvSet", new { key, value = "v" })).GetProperty("ok").GetBoolean().ShouldBeTrue();
        }

        (await CallAsync(w, "kvDelete", new { key = "notes/beta-15" })).GetProperty("value").GetBoolean().ShouldBeTrue();

        var records = await Issue15.AuditOfAsync(w.Host, w.Home, Id);
        foreach (var key in new[] { "notes/alpha-15", "notes/beta-15", "notes/gamma-15" })
        {
            records.ShouldContain(r => r.Decision == "allow" && r.Mentions(key), $"the allowed write of {key} has no record:\n{Issue15.Describe(records)}");
        }

        records.Count(r => r.Decision == "allow" && r.Mentions("notes/beta-15")).ShouldBeGreaterThanOrEqualTo(2, "the allowed delete has no record");
    }

    /// <summary>
    /// Revocation at once: a revoke through the host's API is in force before it returns (the very next brokered
    /// call is refused and the application's method does not run), and racing a stream of calls against it finds
    /// no allow record after the revoke's record.
    /// </summary>
    [Fact]
    public async Task Revoke_ThroughHostApi_RacingStreamOfCalls_NoAllowAfterRevokeRecord_NextCallRefused()
    {
        await using var w = new Issue15World();
        var clock = new CountingClock();
        w.Host.Services.Register("clock", clock);
        await InstallAndLoadAsync(w, ["clock:read"], ["clock:read"]);
        (await CallAsync(w, "service", new { service = "clock", method = "now" })).GetProperty("ok").GetBoolean().ShouldBeTrue();

        using var stop = new CancellationTokenSource();
        var outcomes = new ConcurrentQueue<bool>();
        var stream = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var outcome = await CallAsync(w, "service", new { service = "clock", method = "now" });
                outcomes.Enqueue(outcome.GetProperty("ok").GetBoolean());
            }
        });
        await Task.Delay(300);

        new PluginInstaller(w.Host).Revoke(Id, "clock:read", "issue15-test");
        var callsAtRevoke = clock.Calls;
        var next = await CallAsync(w, "service", new { service = "clock", method = "now" });
        await Task.Delay(300);
        await stop.CancelAsync();
        await stream;

        next.GetProperty("ok").GetBoolean().ShouldBeFalse($"the call right after the revoke returned went through: {next}");
        next.GetProperty("code").GetString().ShouldBe("permission_denied");
        clock.Calls.ShouldBeLessThanOrEqualTo(callsAtRevoke + 1, "the application's method kept running after the revoke returned");
        var records = await Issue15.AuditOfAsync(w.Host, w.Home, Id);
        var revoke = records.LastOrDefault(r => r.Action == "permission.revoked").ShouldNotBeNull(Issue15.Describe(records));
        var late = records.Where(r => r.Seq > revoke.Seq && r.Decision == "allow" && r.Mentions("clock")).ToList();
        late.ShouldBeEmpty($"allowed after the revoke's record (seq {revoke.Seq}):\n{Issue15.Describe(late)}");
    }

    /// <summary>
    /// The race issue 15 measured (a revoked HTTP grant still went through 22–34 ms later, the allow recorded after
    /// the revoke): four streams of brokered requests to a slow loopback server, a revoke through the host's API in
    /// the middle. The next request is refused, and no allow record follows the revoke's record.
    /// </summary>
    [Fact]
    public async Task Revoke_HttpGrantRacingFourStreams_NoAllowAfterRevokeRecord_NextRequestRefused()
    {
        await using var w = new Issue15World();
        await using var server = new Broker.Http.LoopbackHttpServer(_ =>
        {
            Thread.Sleep(30);
            return Broker.Http.ServerResponse.Text(200, "ok");
        });
        var grant = $"network:request=127.0.0.1:{server.Port}";
        var folder = w.World.Misbehave(Id, permissions: $"    - {grant}");
        new PluginInstaller(w.Host).Install(folder, new InstallOptions { Grants = [grant], Level = "sandboxed" });
        await w.Host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
        var url = $"http://127.0.0.1:{server.Port}/race";
        (await w.Host.InvokeAsync(Id, "fetch", Host.HostWorld.Json(new { url }))).GetString().ShouldBe("ok");

        using var stop = new CancellationTokenSource();
        var streams = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await w.Host.InvokeAsync(Id, "fetch", Host.HostWorld.Json(new { url }));
                }
                catch (PluginException)
                {
                }
            }
        })).ToList();
        await Task.Delay(400);

        new PluginInstaller(w.Host).Revoke(Id, grant, "issue15-test");
        var next = await Should.ThrowAsync<PluginException>(() => w.Host.InvokeAsync(Id, "fetch", Host.HostWorld.Json(new { url })));
        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(streams);

        next.Message.ShouldContain("denied", Case.Insensitive);
        var records = await Issue15.AuditOfAsync(w.Host, w.Home, Id);
        var revoke = records.LastOrDefault(r => r.Action == "permission.revoked").ShouldNotBeNull(Issue15.Describe(records));
        var late = records.Where(r => r.Seq > revoke.Seq && r.Decision == "allow" && r.Mentions("/race")).ToList();
        late.ShouldBeEmpty($"allowed after the revoke's record (seq {revoke.Seq}):\n{Issue15.Describe(late)}");
    }

    private static void AssertRateLimitedRefusal(List<Issue15Record> records)
    {
        var refusal = records.Where(r => r.Decision == "deny" && r.Mentions("rate_limited")).ToList();
        refusal.ShouldNotBeEmpty($"the rate-limited refusal is not audited as one:\n{Issue15.Describe(records)}");
        refusal.ShouldAllBe(r => r.Action != "permission.denied" || r.Details.GetValueOrDefault("reason") == "rate_limited",
            "a rate-limited refusal recorded as a plain permission denial");
    }

    private static async Task LoadAsync(Issue15World w, string[] required, string[] grants, string extra = "") =>
        await w.Host.LoadAsync(w.World.Plugin("capabilities-csharp", Id, Manifest(required, extra)), new PluginLoadOptions { Level = "sandboxed", Grants = grants });

    private static async Task InstallAndLoadAsync(Issue15World w, string[] required, string[] grants)
    {
        var folder = w.World.Plugin("capabilities-csharp", Id, Manifest(required, ""));
        new PluginInstaller(w.Host).Install(folder, new InstallOptions { Grants = grants, Level = "sandboxed" });
        await w.Host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
    }

    internal static string Manifest(string[] required, string extra) => $"""
        runtime: dotnet
        entry: bin/CapabilitiesPlugin.dll
        entryType: Samples.Capabilities.CapabilitiesPlugin
        timeouts: {"{"} init: 30s, call: 10s, hook: 2s {"}"}
        permissions:
          required:{(required.Length == 0 ? " []" : string.Concat(required.Select(p => $"\n    - permission: {p}\n      reason: tests")))}
          optional: []
        {extra}
        """;

    private static async Task<JsonElement> CallAsync(Issue15World w, string method, object input) =>
        await w.Host.InvokeAsync(Id, method, JsonSerializer.SerializeToElement(input));

    /// <summary>An application's service that counts how often its methods really ran.</summary>
    public sealed class CountingClock
    {
        private int _calls;
        private int _limited;

        public int Calls => Volatile.Read(ref _calls);

        public int Limited => Volatile.Read(ref _limited);

        [RequiresPermission("clock:read")]
        [HostServiceMethod("now")]
        public string Now()
        {
            Interlocked.Increment(ref _calls);
            return "2026-12-07T00:00:00Z";
        }

        [RequiresPermission("clock:read")]
        [HostServiceMethod("limited")]
        [RateLimit(1, "1m")]
        public string LimitedNow()
        {
            Interlocked.Increment(ref _limited);
            return "2026-12-07T00:00:00Z";
        }
    }
}
