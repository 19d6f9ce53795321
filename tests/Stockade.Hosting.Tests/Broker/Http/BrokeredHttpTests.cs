using System.Net;
using System.Text;
using Stockade.Hosting.Broker.Http;

namespace Stockade.Hosting.Tests.Broker.Http;

public sealed class BrokeredHttpTests : IAsyncLifetime
{
    private const string ApiHost = "api.test.local";
    private static readonly IPAddress PublicLooking = IPAddress.Parse("203.0.113.10");

    private LoopbackHttpServer _server = null!;
    private int _resolverCalls;

    public Task InitializeAsync()
    {
        _server = new LoopbackHttpServer(Route);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private int Port => _server.Port;

    private string Api(string path = "/") => $"http://{ApiHost}:{Port}{path}";

    // api.test.local:<port> is granted, and so is loopback, explicitly: the server lives on 127.0.0.1.
    private TestEgressPolicy GrantApi() => new([$"{ApiHost}:{Port}"], [IPAddress.Loopback]);

    private BrokeredHttp CreateBroker(BrokerHttpOptions? options = null, Func<string, IPAddress[]>? answers = null) =>
        new(options ?? new BrokerHttpOptions(), (host, _) =>
        {
            Interlocked.Increment(ref _resolverCalls);
            return Task.FromResult(answers?.Invoke(host) ?? (host is ApiHost or "evil.test.local" ? [IPAddress.Loopback] : []));
        });

    private ServerResponse Route(ReceivedRequest request) => request.Target switch
    {
        "/hello" => ServerResponse.Text(200, "hello from the server", ("X-Server", "loopback")),
        "/echo" => new ServerResponse(201, request.Body, ("X-Content-Type", request.Headers.GetValueOrDefault("Content-Type", "none"))),
        "/to-evil" => ServerResponse.Text(302, string.Empty, ("Location", $"http://evil.test.local:{Port}/hello")),
        "/to-evil-with-credentials" => ServerResponse.Text(307, string.Empty, ("Location", $"http://evil.test.local:{Port}/hello")),
        "/to-relative" => ServerResponse.Text(302, string.Empty, ("Location", "/hello")),
        "/loop" => ServerResponse.Text(302, string.Empty, ("Location", "/loop")),
        "/big" => new ServerResponse(200, new byte[4096]),
        "/big-unannounced" => new ServerResponse(200, new byte[4096]) { OmitContentLength = true },
        _ => ServerResponse.Text(404, "not here"),
    };

    private static BrokeredHttpRequest Get(string url, params (string Name, string Value)[] headers) =>
        new("GET", url, headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).ToList(), null);

    [Fact]
    public async Task SendAsync_GrantedHost_ReturnsStatusHeadersAndBody()
    {
        using var broker = CreateBroker();

        var result = await broker.SendAsync(Get(Api("/hello"), ("Host", "evil.example"), ("Connection", "upgrade"), ("X-Plugin", "1")), GrantApi(), default);

        result.IsResponse.ShouldBeTrue(result.Message);
        result.Status.ShouldBe(200);
        Encoding.UTF8.GetString(result.Body).ShouldBe("hello from the server");
        result.Headers.ShouldContain(new KeyValuePair<string, string>("X-Server", "loopback"));
        var seen = _server.Requests.ShouldHaveSingleItem();
        seen.Headers["Host"].ShouldBe($"{ApiHost}:{Port}");
        seen.Headers["X-Plugin"].ShouldBe("1");
        seen.Headers.GetValueOrDefault("Connection", "close").ShouldNotBe("upgrade");
    }

    [Fact]
    public async Task SendAsync_PostWithBody_ForwardsBodyAndContentType()
    {
        using var broker = CreateBroker();
        var request = new BrokeredHttpRequest("POST", Api("/echo"), [new("Content-Type", "application/json")], "{\"a\":1}"u8.ToArray());

        var result = await broker.SendAsync(request, GrantApi(), default);

        result.Status.ShouldBe(201);
        Encoding.UTF8.GetString(result.Body).ShouldBe("{\"a\":1}");
        result.Headers.ShouldContain(new KeyValuePair<string, string>("X-Content-Type", "application/json"));
    }

    [Fact]
    public async Task SendAsync_OtherHost_IsDeniedWithGrantHint()
    {
        using var broker = CreateBroker();

        var result = await broker.SendAsync(Get($"http://evil.test.local:{Port}/hello"), GrantApi(), default);

        result.Code.ShouldBe("permission_denied");
        result.Permission.ShouldBe($"network:request=evil.test.local:{Port}");
        _server.Requests.ShouldBeEmpty();
        _resolverCalls.ShouldBe(0);
    }

    [Fact]
    public async Task SendAsync_OtherPort_IsDenied()
    {
        using var broker = CreateBroker();

        var result = await broker.SendAsync(Get($"http://{ApiHost}:{Port + 1}/hello"), GrantApi(), default);

        result.Code.ShouldBe("permission_denied");
        result.Permission.ShouldBe($"network:request={ApiHost}:{Port + 1}");
    }

    [Theory]
    [InlineData("http://a@api.test.local:{port}/hello")]
    [InlineData("http://api%2etest%2elocal:{port}/hello")]
    [InlineData("http://api.test.local%2e:{port}/hello")]
    [InlineData("http://2130706433:{port}/hello")]
    [InlineData("http://0x7f000001:{port}/hello")]
    [InlineData("http://0x7f.1:{port}/hello")]
    [InlineData("http://017700000001:{port}/hello")]
    [InlineData("http://0177.0.0.1:{port}/hello")]
    [InlineData("http://127.1:{port}/hello")]
    [InlineData("http://\u0430pi.test.local:{port}/hello")]
    [InlineData("http://[::1]:{port}/hello")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/hello")]
    [InlineData("http://127.0.0.1:{port}/hello")]
    [InlineData("http://0.0.0.0:{port}/hello")]
    public async Task SendAsync_ConfusingOrLoopbackUrl_IsDeniedEvenWhenEveryNameIsGranted(string template)
    {
        using var broker = CreateBroker();

        // Every host name passes, loopback is not granted: only the parser and the address check can refuse.
        var policy = new TestEgressPolicy([], []) { AnyHost = true };
        var result = await broker.SendAsync(Get(template.Replace("{port}", Port.ToString())), policy, default);

        result.Code.ShouldBe("permission_denied", result.Message);
        _server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_TrailingDotAndUpperCase_AreNormalisedBeforeThePolicy()
    {
        using var broker = CreateBroker();
        var policy = GrantApi();

        var result = await broker.SendAsync(Get($"http://API.Test.Local.:{Port}/hello"), policy, default);

        result.Status.ShouldBe(200, result.Message);
        policy.HostChecks.ShouldBe([$"{ApiHost}:{Port}"]);
        _server.Requests.ShouldHaveSingleItem().Headers["Host"].ShouldBe($"{ApiHost}:{Port}");
    }

    [Fact]
    public async Task SendAsync_MappedIPv6Literal_IsJudgedAsItsIPv4Address()
    {
        using var broker = CreateBroker();
        var policy = new TestEgressPolicy([$"127.0.0.1:{Port}"], [IPAddress.Loopback]);

        var result = await broker.SendAsync(Get($"http://[::ffff:127.0.0.1]:{Port}/hello"), policy, default);

        result.Status.ShouldBe(200, result.Message);
        policy.HostChecks.ShouldBe([$"127.0.0.1:{Port}"]);
        _resolverCalls.ShouldBe(0);
    }

    [Theory]
    [InlineData("ftp://api.test.local/file")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative/path")]
    [InlineData("")]
    public async Task SendAsync_NotAnAbsoluteHttpUrl_IsInvalidParams(string url)
    {
        using var broker = CreateBroker();

        var result = await broker.SendAsync(Get(url), GrantApi(), default);

        result.Code.ShouldBe("invalid_params");
        result.Message.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task SendAsync_UnsupportedMethodOrBadHeader_IsInvalidParams()
    {
        using var broker = CreateBroker();

        var trace = await broker.SendAsync(new BrokeredHttpRequest("TRACE", Api("/hello"), [], null), GrantApi(), default);
        var injected = await broker.SendAsync(Get(Api("/hello"), ("X-Evil", "a\r\nHost: other")), GrantApi(), default);

        trace.Code.ShouldBe("invalid_params");
        injected.Code.ShouldBe("invalid_params");
        _server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_RequestBodyOverCap_IsInvalidParams()
    {
        using var broker = CreateBroker(new BrokerHttpOptions { MaxRequestBytes = 16 });

        var result = await broker.SendAsync(new BrokeredHttpRequest("POST", Api("/echo"), [], new byte[17]), GrantApi(), default);

        result.Code.ShouldBe("invalid_params");
        _server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_RedirectToDeniedHost_IsDenied()
    {
        using var broker = CreateBroker();

        var result = await broker.SendAsync(Get(Api("/to-evil")), GrantApi(), default);

        result.Code.ShouldBe("permission_denied");
        result.Permission.ShouldBe($"network:request=evil.test.local:{Port}");
        _server.Requests.Select(r => r.Target).ShouldBe(["/to-evil"]);
    }

    [Fact]
    public async Task SendAsync_RedirectToAnotherGrantedOrigin_DropsCredentials()
    {
        using var broker = CreateBroker();
        var policy = new TestEgressPolicy([$"{ApiHost}:{Port}", $"evil.test.local:{Port}"], [IPAddress.Loopback]);

        var result = await broker.SendAsync(
            Get(Api("/to-evil-with-credentials"), ("Authorization", "Bearer secret"), ("Cookie", "s=1"), ("X-Trace", "t")), policy, default);

        result.Status.ShouldBe(200, result.Message);
        var hops = _server.Requests.ToArray();
        hops.Length.ShouldBe(2);
        hops[0].Headers["Authorization"].ShouldBe("Bearer secret");
        hops[1].Headers["Host"].ShouldBe($"evil.test.local:{Port}");
        hops[1].Headers.ShouldNotContainKey("Authorization");
        hops[1].Headers.ShouldNotContainKey("Cookie");
        hops[1].Headers["X-Trace"].ShouldBe("t");
    }

    [Fact]
    public async Task SendAsync_RelativeRedirect_IsFollowedAndChecked()
    {
        using var broker = CreateBroker();
        var policy = GrantApi();

        var result = await broker.SendAsync(Get(Api("/to-relative")), policy, default);

        result.Status.ShouldBe(200, result.Message);
        Encoding.UTF8.GetString(result.Body).ShouldBe("hello from the server");
        policy.HostChecks.Count.ShouldBe(2);
        _server.Requests.Select(r => r.Target).ShouldBe(["/to-relative", "/hello"]);
    }

    [Fact]
    public async Task SendAsync_RedirectLoop_StopsAfterTheLimit()
    {
        using var broker = CreateBroker();

        var result = await broker.SendAsync(Get(Api("/loop")), GrantApi(), default);

        result.Code.ShouldBe("internal");
        result.Message!.ShouldContain("redirects");
        _server.Requests.Count.ShouldBe(6);
    }

    [Fact]
    public async Task SendAsync_OneAnswerDenied_RefusesEvenThoughAnotherIsAllowed()
    {
        // The name resolves to a public address and to loopback; loopback is not granted.
        using var broker = CreateBroker(answers: _ => [PublicLooking, IPAddress.Loopback]);
        var policy = new TestEgressPolicy([$"{ApiHost}:{Port}"], []);

        var result = await broker.SendAsync(Get(Api("/hello")), policy, default);

        result.Code.ShouldBe("permission_denied");
        result.Message!.ShouldContain("loopback");
        _server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_RebindingResolver_ConnectsOnlyToTheCheckedAddress()
    {
        // First answer: a public-looking address (checked and chosen). Any later answer: the real
        // server on loopback, which the policy would even allow. The broker must never ask again nor
        // dial anything but the checked address, so the loopback server sees nothing.
        var answers = 0;
        using var broker = CreateBroker(
            new BrokerHttpOptions { Timeout = TimeSpan.FromSeconds(2) },
            _ => Interlocked.Increment(ref answers) == 1 ? [PublicLooking] : [IPAddress.Loopback]);

        var result = await broker.SendAsync(Get(Api("/hello")), GrantApi(), default);

        result.IsResponse.ShouldBeFalse();
        result.Code.ShouldBeOneOf("timeout", "internal");
        _resolverCalls.ShouldBe(1);
        _server.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("/big")]
    [InlineData("/big-unannounced")]
    public async Task SendAsync_ResponseOverCap_IsCutWithAnError(string path)
    {
        using var broker = CreateBroker(new BrokerHttpOptions { MaxResponseBytes = 1024 });

        var result = await broker.SendAsync(Get(Api(path)), GrantApi(), default);

        result.Code.ShouldBe("internal");
        result.Message!.ShouldContain("1024 bytes");
        result.Body.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_CallerCancels_Throws()
    {
        using var broker = CreateBroker();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => broker.SendAsync(Get(Api("/hello")), GrantApi(), cancelled.Token));
    }
}
