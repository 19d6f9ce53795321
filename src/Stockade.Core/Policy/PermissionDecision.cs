using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>A decision about one permission, with the reason in plain words. A struct so checks do not allocate.</summary>
/// <param name="Permission">The permission decided on (the declared one, or the one requested).</param>
/// <param name="Kind">The outcome.</param>
/// <param name="Reason">Why, in words a user can act on.</param>
public readonly record struct PermissionDecision(Permission Permission, DecisionKind Kind, string Reason)
{
    /// <summary>True when <see cref="Kind"/> is <see cref="DecisionKind.Granted"/>.</summary>
    public bool IsGranted => Kind == DecisionKind.Granted;
}
