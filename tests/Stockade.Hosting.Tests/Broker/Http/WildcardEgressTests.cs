using System.Net;
using Stockade.Core.Permissions;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Http;

namespace Stockade.Hosting.Tests.Broker.Http;

/// <summary>
/// The red team's finding: <c>network:request=*</c> reached loopback and private addresses. A real HTTP
/// server listens on 127.0.0.1; the real broker (real URL parser, real DNS for <c>localhost</c>, the
/// real policy decision of <see cref="PolicyEgress"/> over parsed grants) is asked for it in every
/// spelling. Under a wildcard nothing reaches the server; a grant that names the address still does.
/// </summary>
public sealed class WildcardEgressTests : IAsyncLifetime
{
    private LoopbackHttpServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new LoopbackHttpServer(_ => ServerResponse.Text(200, "reached"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> LoopbackSpellings() =>
    [
        "http://127.0.0.1:{port}/",
        "http://127.0.0.2:{port}/",
        "http://localhost:{port}/",
        "http://LOCALHOST:{port}/",
        "http://localhost.:{port}/",
        "http://api.localhost:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f000001:{port}/",
        "http://0x7f.0.0.1:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://017700000001:{port}/",
        "http://127.1:{port}/",
        "http://127.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://[0:0:0:0:0:0:0:1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://[::ffff:7f00:1]:{port}/",
        "http://[::127.0.0.1]:{port}/",
        "http://0.0.0.0:{port}/",
        "http://0:{port}/",
        "http://[::]:{port}/",
    ];

    [Theory]
    [MemberData(nameof(LoopbackSpellings))]
    public async Task SendAsync_AnyHostGrant_NeverReachesLoopback(string url)
    {
        using var broker = new BrokeredHttp(new BrokerHttpOptions());

        var result = await broker.SendAsync(Get(url.Replace("{port}", _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)), Egress("network:request=*"), default);

        result.IsResponse.ShouldBeFalse($"{url} reached the loopback server under network:request=*");
        result.Code.ShouldBe(BrokerErrorCodes.PermissionDenied, result.Message);
        _server.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[fc00::1]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://[::ffff:a9fe:a9fe]/")]
    [InlineData("http://2852039166/")]
    public async Task SendAsync_AnyHostGrant_NeverReachesPrivateLinkLocalOrMetadata(string url)
    {
        using var broker = new BrokeredHttp(new BrokerHttpOptions { Timeout = TimeSpan.FromSeconds(5) });

        var result = await broker.SendAsync(Get(url), Egress("network:request=*", "network:request=*:80"), default);

        // Refused by the policy before any connection: a timeout or a connection error would mean it tried.
        result.IsResponse.ShouldBeFalse();
        result.Code.ShouldBe(BrokerErrorCodes.PermissionDenied, result.Message);
    }

    [Theory]
    [InlineData("network:request=*")]
    [InlineData("network:request=*:{port}")]
    [InlineData("network:request=*.localhost")]
    [InlineData("network:request=localhost:{port}")]
    public async Task SendAsync_NameThatResolvesToLoopback_RefusedUnlessTheAddressIsNamed(string grant)
    {
        using var broker = new BrokeredHttp(new BrokerHttpOptions());
        var port = _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var result = await broker.SendAsync(Get($"http://localhost:{port}/"), Egress(grant.Replace("{port}", port, StringComparison.Ordinal)), default);

        result.IsResponse.ShouldBeFalse(result.Message);
        _server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_LiteralGrantOfTheAddress_StillReachesIt()
    {
        using var broker = new BrokeredHttp(new BrokerHttpOptions());
        var port = _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var result = await broker.SendAsync(Get($"http://127.0.0.1:{port}/"), Egress($"network:request=127.0.0.1:{port}"), default);

        result.IsResponse.ShouldBeTrue(result.Message);
        result.Status.ShouldBe(200);
        _server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task SendAsync_LiteralGrantBesideWildcard_ReachesOnlyTheNamedAddress()
    {
        using var broker = new BrokeredHttp(new BrokerHttpOptions());
        var port = _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var egress = Egress("network:request=*", $"network:request=127.0.0.1:{port}");

        (await broker.SendAsync(Get($"http://127.0.0.1:{port}/"), egress, default)).IsResponse.ShouldBeTrue();
        (await broker.SendAsync(Get($"http://127.0.0.2:{port}/"), egress, default)).IsResponse.ShouldBeFalse();
        (await broker.SendAsync(Get($"http://[::ffff:127.0.0.2]:{port}/"), egress, default)).IsResponse.ShouldBeFalse();
        _server.Requests.Count.ShouldBe(1);
    }

    // The broker's own decision: parse the asked permission and ask whether a granted one implies it.
    private static PolicyEgress Egress(params string[] grants)
    {
        var granted = grants.Select(g => Permission.TryParse(g, out var p, out var error) ? p : throw new InvalidOperationException(error)).ToArray();
        return new PolicyEgress(text => Permission.TryParse(text, out var asked, out _) && granted.Any(g => g.Implies(asked)));
    }

    private static BrokeredHttpRequest Get(string url) => new("GET", url, [], null);
}
