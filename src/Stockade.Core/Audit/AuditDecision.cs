namespace Stockade.Core.Audit;

/// <summary>The outcome an audit record reports. Serialised in lowercase (<c>allow</c>, <c>deny</c>, <c>info</c>).</summary>
public enum AuditDecision
{
    /// <summary>Something was permitted and happened.</summary>
    Allow,

    /// <summary>Something was refused.</summary>
    Deny,

    /// <summary>A lifecycle fact or observation with no permission decision attached.</summary>
    Info,
}
