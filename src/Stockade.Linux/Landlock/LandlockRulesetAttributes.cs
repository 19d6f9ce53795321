namespace Stockade.Linux.Landlock;

/// <summary>What a ruleset handles (denies unless a rule allows it).</summary>
internal sealed record LandlockRulesetAttributes(LandlockFsAccess HandledFs, LandlockNetAccess HandledNet, LandlockScope Scoped)
{
    /// <summary>Every right and scope that <paramref name="abi"/> knows: the strictest ruleset this kernel can build.</summary>
    internal static LandlockRulesetAttributes AllKnownTo(int abi) =>
        new(LandlockAbi.FsMask(abi), LandlockAbi.NetMask(abi), LandlockAbi.ScopeMask(abi));
}
