using Stockade.Hosting.Broker.RateLimiting;

namespace Stockade.Hosting.Tests.Broker.RateLimiting;

public sealed class BrokerRateLimiterTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void TryAcquire_OverThePluginsLimit_RefusesWithRetryAfterAndReports()
    {
        var refusals = new List<RateRefusal>();
        using var limiter = new BrokerRateLimiter([], refusals.Add);
        limiter.SetPluginRules("clip", [new RateRule("network:request", 2, Minute)]);

        var first = limiter.TryAcquire("clip", "network:request=api.example.com:443");
        var second = limiter.TryAcquire("clip", "network:request=other.example.com:443");
        var third = limiter.TryAcquire("clip", "network:request=api.example.com:443");

        first.IsAllowed.ShouldBeTrue();
        second.IsAllowed.ShouldBeTrue();
        third.IsAllowed.ShouldBeFalse();
        third.RetryAfter.ShouldBeGreaterThan(TimeSpan.Zero);
        third.RetryAfter.ShouldBeLessThanOrEqualTo(Minute);
        third.Rule!.PermissionPattern.ShouldBe("network:request");
        var reported = refusals.ShouldHaveSingleItem();
        reported.PluginId.ShouldBe("clip");
        reported.Permission.ShouldBe("network:request=api.example.com:443");
    }

    [Fact]
    public void TryAcquire_HostDefault_CountsEachPluginSeparately()
    {
        using var limiter = new BrokerRateLimiter([new RateRule("*", 1, Minute)]);

        limiter.TryAcquire("a", "env:read=LANG").IsAllowed.ShouldBeTrue();
        limiter.TryAcquire("b", "env:read=LANG").IsAllowed.ShouldBeTrue();
        limiter.TryAcquire("a", "config:read=ui").IsAllowed.ShouldBeFalse();
    }

    [Fact]
    public void TryAcquire_PluginRuleAndHostDefault_BothApply()
    {
        using var limiter = new BrokerRateLimiter([new RateRule("database:*", 2, Minute)]);
        limiter.SetPluginRules("p", [new RateRule("database:write", 10, Minute)]);

        limiter.TryAcquire("p", "database:write=notes").IsAllowed.ShouldBeTrue();
        limiter.TryAcquire("p", "database:read=notes").IsAllowed.ShouldBeTrue();
        var third = limiter.TryAcquire("p", "database:write=notes");

        third.IsAllowed.ShouldBeFalse();
        third.Rule!.PermissionPattern.ShouldBe("database:*");
    }

    [Fact]
    public void TryAcquire_NoMatchingRule_IsAlwaysAllowed()
    {
        using var limiter = new BrokerRateLimiter([new RateRule("database:*", 1, Minute)]);

        for (var i = 0; i < 100; i++)
        {
            limiter.TryAcquire("p", "network:request=api.example.com:443").IsAllowed.ShouldBeTrue();
        }
    }

    [Fact]
    public void TryAcquire_ShortPeriod_AllowsAgainAfterThePeriod()
    {
        using var limiter = new BrokerRateLimiter([new RateRule("*", 1, TimeSpan.FromMilliseconds(200))]);

        limiter.TryAcquire("p", "hook:register=x").IsAllowed.ShouldBeTrue();
        limiter.TryAcquire("p", "hook:register=x").IsAllowed.ShouldBeFalse();

        // Tokens come back on the limiter's replenishment timer, which a loaded machine can delay:
        // the token must return, within a bound far above the 200 ms period.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var allowed = false;
        while (!allowed && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(50);
            allowed = limiter.TryAcquire("p", "hook:register=x").IsAllowed;
        }

        allowed.ShouldBeTrue();
    }

    [Fact]
    public void TryAcquire_ManyThreads_AllowsExactlyTheLimit()
    {
        using var limiter = new BrokerRateLimiter([new RateRule("network:request", 1000, TimeSpan.FromHours(1))]);
        var allowed = 0;

        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (limiter.TryAcquire("p", "network:request=a.example:443").IsAllowed)
            {
                Interlocked.Increment(ref allowed);
            }
        });

        allowed.ShouldBe(1000);
    }

    [Fact]
    public void SetPluginRules_InvalidRule_ThrowsWithTheReason()
    {
        using var limiter = new BrokerRateLimiter([]);

        var ex = Should.Throw<ArgumentException>(() => limiter.SetPluginRules("p", [new RateRule("network:request", 0, Minute)]));

        ex.Message.ShouldContain("must be positive");
    }

    [Theory]
    [InlineData("*", "network:request=a.example:443", true)]
    [InlineData("network:request", "network:request=a.example:443", true)]
    [InlineData("network:request", "network:request", true)]
    [InlineData("network:request", "network:requests", false)]
    [InlineData("database:*", "database:read=ns", true)]
    [InlineData("database:*", "databases:read", false)]
    [InlineData("env:read=LANG", "env:read=LANG", true)]
    [InlineData("env:read=LANG", "env:read=HOME", false)]
    public void Matches_Pattern_FollowsTheGrammar(string pattern, string permission, bool expected) =>
        new RateRule(pattern, 1, Minute).Matches(permission).ShouldBe(expected);

    [Theory]
    [InlineData("", 1, 1)]
    [InlineData("network", 1, 1)]
    [InlineData("*", 0, 1)]
    [InlineData("*", 1, 0)]
    public void Validate_BadRule_SaysWhatIsWrong(string pattern, int limit, int seconds) =>
        new RateRule(pattern, limit, TimeSpan.FromSeconds(seconds)).Validate().ShouldNotBeNullOrWhiteSpace();

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1s", 1000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    public void TryParse_Period_ReturnsTheSpan(string text, int milliseconds)
    {
        RatePeriod.TryParse(text, out var period).ShouldBeTrue();
        period.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("1w")]
    [InlineData("1.5s")]
    [InlineData("99999999999999999d")]
    public void TryParse_BadPeriod_ReturnsFalse(string text) => RatePeriod.TryParse(text, out _).ShouldBeFalse();
}
