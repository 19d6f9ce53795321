using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Tests.Broker.Http;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue #6 as a confined plugin sees it: over its manifest rate limit a brokered request is refused with
/// <c>rate_limited</c> and a retry-after the plugin's SDK reads (<c>RateLimitedException.RetryAfter</c>), the
/// refused request never reaches the server, the audit log has the refusal, the watchdog counts the abuse, and
/// after the retry-after the plugin is served again.
/// </summary>
public sealed class BrokerRateLimitEndToEndTests : IAsyncLifetime
{
    private const string Id = "t.ratelimit";
    private readonly HostWorld _world = new();
    private readonly LoopbackHttpServer _server = new(_ => ServerResponse.Text(200, "hello from the test server"));
    private readonly ConcurrentQueue<PluginEvent> _events = new();
    private PluginHost _host = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = _server.Port;
        _host = new PluginHost(new PluginHostOptions
        {
            Home = _world.Home,
            NameResolver = (name, _) => Task.FromResult(name == "api.test.local" ? new[] { IPAddress.Loopback } : Array.Empty<IPAddress>()),
        });
        _host.PluginEvent += (_, e) => _events.Enqueue(e);
        await _host.LoadAsync(
            _world.Misbehave(Id, permissions: $"    - network:request=api.test.local:{_port}\n    - network:request=127.0.0.1:{_port}", extra: "rateLimits:\n  \"network:request\": 2/3s"),
            new PluginLoadOptions { Level = "sandboxed", Grants = [$"network:request=api.test.local:{_port}", $"network:request=127.0.0.1:{_port}"] });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task Fetch_OverManifestRateLimit_RefusedWithRetryAfterAuditedAndServedAgainAfterIt()
    {
        var url = $"http://api.test.local:{_port}/hello";
        for (var i = 0; i < 2; i++)
        {
            (await Fetch(url)).GetString().ShouldBe("hello from the test server");
        }

        var served = _server.Requests.Count;

        var refused = await Should.ThrowAsync<PluginFailedException>(() => Fetch(url));

        // The plugin's own code received the SDK's RateLimitedException, whose message carries the retry-after.
        refused.RemoteType.ShouldNotBeNull().ShouldContain("RateLimitedException");
        refused.Message.ShouldContain("rate limit");
        var retryAfter = RetryAfter(refused.Message);
        retryAfter.ShouldBeInRange(TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(3));
        _server.Requests.Count.ShouldBe(served, "a request over the limit must not leave the host");

        await _host.Audit.FlushAsync();
        var refusal = new AuditReader(_host.Home.AuditDirectory)
            .Query(new AuditQuery { Plugin = Id, Action = "permission.denied" })
            .ShouldHaveSingleItem();
        refusal.Permission.ShouldBe($"network:request=api.test.local:{_port}");
        refusal.Details.ShouldNotBeNull()["reason"].ShouldBe("rate_limited");
        refusal.Details!["retryAfterMs"].ShouldNotBeNullOrEmpty();

        // Repeated abuse counts as violations for the watchdog: at its third (ThrottleAfter) it throttles the worker.
        for (var i = 0; i < 2; i++)
        {
            (await Should.ThrowAsync<PluginFailedException>(() => Fetch(url))).Message.ShouldContain("rate limit");
        }

        _events.ShouldContain(e => e.PluginId == Id && e.Kind == PluginEventKind.Throttled && e.Message.Contains("rate limit", StringComparison.Ordinal));
        await _host.Audit.FlushAsync();
        new AuditReader(_host.Home.AuditDirectory).Query(new AuditQuery { Plugin = Id, Action = "plugin.throttled" }).ShouldNotBeEmpty();
        _server.Requests.Count.ShouldBe(served, "no request over the limit may leave the host");

        // After the retry-after the plugin is served again (the bucket refills on a timer: allow it a few late ticks).
        await Task.Delay(retryAfter);
        string? body = null;
        for (var attempt = 0; attempt < 20 && body is null; attempt++)
        {
            try
            {
                body = (await Fetch(url)).GetString();
            }
            catch (PluginFailedException ex) when (ex.Message.Contains("rate limit", StringComparison.Ordinal))
            {
                await Task.Delay(RetryAfter(ex.Message));
            }
        }

        body.ShouldBe("hello from the test server");
    }

    private static TimeSpan RetryAfter(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"retry after (\d+) ms");
        match.Success.ShouldBeTrue($"no retry-after in: {message}");
        return TimeSpan.FromMilliseconds(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private Task<System.Text.Json.JsonElement> Fetch(string url) => _host.InvokeAsync(Id, "fetch", HostWorld.Json(new { url }));
}
