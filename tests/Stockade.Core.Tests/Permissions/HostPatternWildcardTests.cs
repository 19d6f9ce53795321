using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Permissions;

/// <summary>A wildcard names hosts, never addresses: decision 9 and the red team's <c>network:request=*</c> finding.</summary>
public sealed class HostPatternWildcardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("8.8.8.8")]
    [InlineData("[::1]")]
    [InlineData("::1")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("2130706433")]
    [InlineData("0x7f000001")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("0177.0.0.1")]
    [InlineData("127.1")]
    [InlineData("localhost")]
    [InlineData("LOCALHOST.")]
    [InlineData("api.localhost")]
    [InlineData("localhost.localdomain")]
    [InlineData("ip6-localhost")]
    public void Matches_AnyHostWildcard_NeverAnAddressOrLoopbackName(string host)
    {
        HostPattern.Parse("*").Matches(host, 80).ShouldBeFalse();
        HostPattern.Parse("*:80").Matches(host, 80).ShouldBeFalse();
    }

    [Theory]
    [InlineData("127.0.0.1:8080")]
    [InlineData("192.168.1.10")]
    [InlineData("169.254.169.254:80")]
    [InlineData("[::1]:8080")]
    [InlineData("[fd00::1]")]
    [InlineData("localhost:8080")]
    [InlineData("*.localhost")]
    public void Contains_Wildcard_NeverContainsAnAddressOrLoopbackName(string literal)
    {
        HostPattern.Parse("*").Contains(HostPattern.Parse(literal)).ShouldBeFalse();
        Permission.Parse("network:request=*").Implies(Permission.Parse($"network:request={literal}")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1", 8080)]
    [InlineData("[::1]:8080", "::1", 8080)]
    [InlineData("localhost:8080", "localhost", 8080)]
    public void Literal_GrantOfTheAddress_StillMatches(string pattern, string host, int port)
    {
        HostPattern.Parse(pattern).Matches(host, port).ShouldBeTrue();
        Permission.Parse($"network:request={pattern}").Implies(Permission.Parse($"network:request={pattern}")).ShouldBeTrue();
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("api.example.com")]
    [InlineData("1.example.com")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("xn--bcher-kva.example")]
    public void Matches_AnyHostWildcard_StillMatchesNames(string host) =>
        HostPattern.Parse("*").Matches(host, 443).ShouldBeTrue();
}
