namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// Whether calls of a host service method are written to the audit log. Calls are audited by default;
/// <c>[Audited(false)]</c> suits frequent, harmless calls. Denied calls are always audited.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class AuditedAttribute : Attribute
{
    /// <summary>Sets whether successful calls are audited.</summary>
    public AuditedAttribute(bool enabled = true) => Enabled = enabled;

    /// <summary>True when successful calls are audited.</summary>
    public bool Enabled { get; }
}
