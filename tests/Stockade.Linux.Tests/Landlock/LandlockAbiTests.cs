using Stockade.Linux.Landlock;

namespace Stockade.Linux.Tests.Landlock;

public sealed class LandlockAbiTests
{
    [Theory]
    [InlineData(0, 0x0UL)]
    [InlineData(1, 0x1fffUL)]
    [InlineData(2, 0x3fffUL)]
    [InlineData(3, 0x7fffUL)]
    [InlineData(4, 0x7fffUL)]
    [InlineData(5, 0xffffUL)]
    [InlineData(7, 0xffffUL)]
    public void FsMask_ForAbi_MatchesKernelTable(int abi, ulong expected) => ((ulong)LandlockAbi.FsMask(abi)).ShouldBe(expected);

    [Theory]
    [InlineData(3, LandlockNetAccess.None, LandlockScope.None)]
    [InlineData(4, LandlockNetAccess.BindTcp | LandlockNetAccess.ConnectTcp, LandlockScope.None)]
    [InlineData(6, LandlockNetAccess.BindTcp | LandlockNetAccess.ConnectTcp, LandlockScope.Signal | LandlockScope.AbstractUnixSocket)]
    public void NetAndScopeMasks_ForAbi_AppearWhenIntroduced(int abi, LandlockNetAccess net, LandlockScope scopes)
    {
        LandlockAbi.NetMask(abi).ShouldBe(net);
        LandlockAbi.ScopeMask(abi).ShouldBe(scopes);
    }

    [Fact]
    public void Probe_OnLinux_ReturnsAVersionOrZero()
    {
        int abi = LandlockAbi.Probe();
        abi.ShouldBeGreaterThanOrEqualTo(0);
        if (File.Exists("/sys/kernel/security/lsm") && File.ReadAllText("/sys/kernel/security/lsm").Contains("landlock"))
        {
            abi.ShouldBeGreaterThanOrEqualTo(1);
        }
    }

    [Fact]
    public void Create_WithAbiZero_IsNotEnforcedAndAcceptsRules()
    {
        using LandlockRuleset ruleset = LandlockRuleset.Create(LandlockRulesetAttributes.AllKnownTo(7), abi: 0);
        ruleset.AddPathRule("/nonexistent", LandlockFsAccess.ReadFile).AddNetPortRule(80, LandlockNetAccess.ConnectTcp);
        ruleset.RestrictSelf().ShouldBe(LandlockStatus.NotEnforced);
    }

    [Fact]
    public void Create_RequestingScopesOnAbi5_MasksThemAway()
    {
        var requested = LandlockRulesetAttributes.AllKnownTo(6);
        using LandlockRuleset ruleset = LandlockRuleset.Create(requested, abi: Math.Min(5, Math.Max(LandlockAbi.Probe(), 0)));
        ruleset.Handled.Scoped.ShouldBe(LandlockScope.None);
    }

    [Fact]
    public void RestrictSelf_CalledTwice_Throws()
    {
        using LandlockRuleset ruleset = LandlockRuleset.Create(LandlockRulesetAttributes.AllKnownTo(1), abi: 0);
        ruleset.RestrictSelf();
        Should.Throw<InvalidOperationException>(() => ruleset.RestrictSelf());
    }
}
