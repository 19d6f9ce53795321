using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Stockade.Hosting.Tests.Audit;
using Stockade.Hosting.Tests.Host;
using Stockade.Hosting.Tests.Broker.Http;

namespace Stockade.Hosting.Tests.Broker;

/// <summary>
/// The broker queues an allowed call's audit record before performing the call but does not wait for the disk.
/// These tests make the audit log unwritable mid-run (a folder where the next daily file must go) under real
/// confined workers and check that the host fails secure: the worker whose record was lost is stopped, every
/// further brokered call of every plugin is refused naming the audit failure, and the host keeps serving.
/// </summary>
public sealed class BrokerAuditFailureTests : IAsyncLifetime
{
    private const string Id = "t.auditfail";
    private const string Bystander = "t.bystander";
    private static readonly DateTimeOffset Today = new(DateTimeOffset.UtcNow.UtcDateTime.Date.AddHours(12), TimeSpan.Zero);
    private readonly HostWorld _world = new();
    private readonly LoopbackHttpServer _server = new(_ => ServerResponse.Text(200, "hello from the test server"));
    private readonly ConcurrentQueue<PluginEvent> _events = new();
    private readonly ManualTimeProvider _time = new(Today);
    private PluginHost _host = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = _server.Port;
        _host = new PluginHost(
            new PluginHostOptions
            {
                Home = _world.Home,
                NameResolver = (name, _) => Task.FromResult(name == "api.test.local" ? new[] { IPAddress.Loopback } : Array.Empty<IPAddress>()),
            },
            timeProvider: _time);
        _host.PluginEvent += (_, e) => _events.Enqueue(e);
        foreach (var id in new[] { Id, Bystander })
        {
            await _host.LoadAsync(
                _world.Misbehave(id, permissions: $"    - network:request=api.test.local:{_port}\n    - network:request=127.0.0.1:{_port}"),
                new PluginLoadOptions { Level = "sandboxed", Grants = [$"network:request=api.test.local:{_port}", $"network:request=127.0.0.1:{_port}"] });
        }
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task BrokeredCall_AuditFileUnwritable_WorkerStoppedFurtherCallsRefusedHostServes()
    {
        (await Fetch(Id)).GetString().ShouldBe("hello from the test server");
        await _host.Audit.FlushAsync();

        // The next record goes to tomorrow's file, where a folder now stands.
        var blocker = Directory.CreateDirectory(Path.Combine(_host.Home.AuditDirectory, $"audit-{Today.AddDays(1):yyyy-MM-dd}.jsonl"));
        _time.Set(Today.AddDays(1));
        try
        {
            await Fetch(Id); // performed: its record was queued first; the write fails afterwards
        }
        catch (PluginKilledException)
        {
            // the failure may arrive while the call is still answering
        }
        catch (PluginException ex) when (ex.Message.Contains("audit log", StringComparison.Ordinal))
        {
            // or before it was asked: on a loaded machine another record (the load's, a head) met the folder first, and
            // the broker already refused the call because it could not be audited (fail secure, as asserted below)
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_events.Any(e => e.PluginId == Id && e.Kind == PluginEventKind.Killed) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        _events.ShouldContain(e => e.PluginId == Id && e.Kind == PluginEventKind.Killed && e.Message.Contains("audit", StringComparison.Ordinal));
        _host.AuditFailure.ShouldNotBeNull().ShouldContain("audit log");

        // Every further brokered call is refused, for another plugin too, and never reaches the server.
        var served = _server.Requests.Count;
        var refused = await Should.ThrowAsync<PluginException>(() => Fetch(Bystander));
        refused.Message.ShouldContain("audit log");
        refused.Message.ShouldContain("restart the host");
        _server.Requests.Count.ShouldBe(served);

        // The host keeps running: a call that needs no broker is served.
        (await _host.InvokeAsync(Bystander, "ping", HostWorld.Json(new { }))).GetString().ShouldBe("pong");

        // Fixing the folder does not reopen the broker by itself: the stopped plugin restarts, and is still refused.
        blocker.Delete();
        var again = await Should.ThrowAsync<PluginException>(() => Fetch(Id));
        again.Message.ShouldContain("audit log");
        _server.Requests.Count.ShouldBe(served);
    }

    private Task<System.Text.Json.JsonElement> Fetch(string id) =>
        _host.InvokeAsync(id, "fetch", HostWorld.Json(new { url = $"http://api.test.local:{_port}/hello" }));
}
