using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Stockade.Hosting.Tests.Broker.Http;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// A confined plugin (no IP sockets of its own) reaches a real HTTP server on 127.0.0.1 only through the
/// broker, only for the granted host and port, and the audit log records both outcomes.
/// </summary>
public sealed class BrokeredHttpEndToEndTests : IAsyncLifetime
{
    private readonly HostWorld _world = new();
    private readonly LoopbackHttpServer _server = new(_ => ServerResponse.Text(200, "hello from the test server"));
    private PluginHost _host = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = _server.Port;
        _host = new PluginHost(new PluginHostOptions
        {
            Home = _world.Home,

            // The test's name maps to loopback; loopback is used only because a grant names it literally.
            NameResolver = (name, _) => Task.FromResult(name == "api.test.local" ? new[] { IPAddress.Loopback } : Array.Empty<IPAddress>()),
        });
        var manifestPermissions = $"""
                - network:request=api.test.local:{_port}
                - network:request=127.0.0.1:{_port}
            """;
        await _host.LoadAsync(_world.Misbehave("t.http", permissions: manifestPermissions), new PluginLoadOptions
        {
            Level = "sandboxed",
            Grants = [$"network:request=api.test.local:{_port}", $"network:request=127.0.0.1:{_port}"],
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task Fetch_GrantedHost_GetsTheResponseThroughTheBroker()
    {
        var body = await _host.InvokeAsync("t.http", "fetch", Json(new { url = $"http://api.test.local:{_port}/hello" }));

        body.GetString().ShouldBe("hello from the test server");
        await _host.Audit.FlushAsync();
        var records = new Stockade.Hosting.Audit.AuditReader(_host.Home.AuditDirectory).Query(new Stockade.Hosting.Audit.AuditQuery { Plugin = "t.http", Action = "network.request" }).ToList();
        records.ShouldContain(r => r.Permission == $"network:request=api.test.local:{_port}");
    }

    [Theory]
    [InlineData("http://api.test.local:{0}@evil.example/")]
    [InlineData("http://other.test.local:{0}/")]
    [InlineData("http://api.test.local:1/")]
    [InlineData("http://127.0.0.2:{0}/")]
    public async Task Fetch_NotGranted_IsRefusedAndNeverReachesTheServer(string pattern)
    {
        var before = _server.Requests.Count;

        var ex = await Should.ThrowAsync<PluginException>(() => _host.InvokeAsync("t.http", "fetch", Json(new { url = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, _port) })));

        ex.Message.ShouldContain("denied", Case.Insensitive);
        _server.Requests.Count.ShouldBe(before);
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);
}
