namespace Stockade.Linux.Landlock;

/// <summary>What <c>landlock_restrict_self</c> achieved, compared with what was asked for.</summary>
public enum LandlockStatus
{
    /// <summary>Landlock is absent (ABI 0) or was not applied: nothing is confined by it.</summary>
    NotEnforced = 0,

    /// <summary>Applied, but some requested rights or scopes are unknown to this kernel and stay unrestricted.</summary>
    PartiallyEnforced = 1,

    /// <summary>Every requested right and scope is enforced by the kernel.</summary>
    FullyEnforced = 2,
}
