using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Permissions;

public class HostPatternTests
{
    [Theory]
    [InlineData("API.Example.com.", "api.example.com")]
    [InlineData("*.example.com:443", "*.example.com:443")]
    [InlineData("*", "*")]
    [InlineData("*:8080", "*:8080")]
    [InlineData("127.0.0.1:80", "127.0.0.1:80")]
    [InlineData("[::1]:8080", "[::1]:8080")]
    [InlineData("[0:0:0:0:0:0:0:1]", "[::1]")]
    [InlineData("xn--exmple-cua.com", "xn--exmple-cua.com")]
    public void TryParse_ValidPattern_IsCanonical(string text, string canonical)
    {
        HostPattern.TryParse(text, out var pattern, out var error).ShouldBeTrue(error);
        pattern!.ToString().ShouldBe(canonical);
    }

    [Theory]
    [InlineData("exаmple.com", "non-ASCII")] // Cyrillic а
    [InlineData("ехample.com", "punycode")] // Cyrillic е and х
    [InlineData("a.*.com", "whole left-most label")]
    [InlineData("*foo.com", "whole left-most label")]
    [InlineData("foo.*", "whole left-most label")]
    [InlineData("*.1.2.3.4", "wildcard in front of an IP")]
    [InlineData("example.com:0", "port")]
    [InlineData("example.com:65536", "port")]
    [InlineData("example.com:http", "port")]
    [InlineData("::1", "brackets")]
    [InlineData("[::1", "never closes")]
    [InlineData("[zz::1]", "not a valid IPv6")]
    [InlineData("300.1.1.1", "IPv4")]
    [InlineData("-bad.com", "starts or ends with '-'")]
    [InlineData("under_score.com", "contains '_'")]
    [InlineData("a..b", "1 to 63")]
    [InlineData("ex ample.com", "whitespace")]
    [InlineData("", "empty")]
    public void TryParse_HostilePattern_Refuses(string text, string expected)
    {
        HostPattern.TryParse(text, out var pattern, out var error).ShouldBeFalse();
        pattern.ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(expected);
    }

    [Theory]
    [InlineData("*.example.com", "api.example.com", 443, true)]
    [InlineData("*.example.com", "a.b.example.com", 80, true)]
    [InlineData("*.example.com", "example.com", 443, false)]
    [InlineData("*.example.com", "badexample.com", 443, false)]
    [InlineData("*.example.com", "API.EXAMPLE.COM.", 443, true)]
    [InlineData("*.example.com:443", "api.example.com", 8443, false)]
    [InlineData("api.example.com", "api.example.com", 1234, true)]
    [InlineData("api.example.com", "exаmple.com", 443, false)]
    [InlineData("*", "anything.org", 22, true)]
    [InlineData("[::1]:8080", "[::1]", 8080, true)]
    [InlineData("[::1]:8080", "::1", 8080, true)]
    public void Matches_HostAndPort_FollowsPattern(string pattern, string host, int port, bool expected)
    {
        HostPattern.Parse(pattern).Matches(host, port).ShouldBe(expected);
    }

    [Fact]
    public void IsBroad_OnlyForAnyHost()
    {
        HostPattern.Parse("*").IsBroad.ShouldBeTrue();
        HostPattern.Parse("*.example.com").IsBroad.ShouldBeFalse();
    }

    [Theory]
    [InlineData("*.example.com", "*.api.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*", "*.example.com:443", true)]
    [InlineData("*:443", "*", false)]
    [InlineData("api.example.com", "*.example.com", false)]
    public void Contains_Patterns_FollowsSubdomainAndPortRules(string outer, string inner, bool expected)
    {
        HostPattern.Parse(outer).Contains(HostPattern.Parse(inner)).ShouldBe(expected);
    }
}
