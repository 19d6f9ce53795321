namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// Exposes a host service method to plugins holding <see cref="Permission"/> (for example
/// <c>clipboard:read</c>). Methods without this attribute are never callable by plugins (fail closed).
/// The permission becomes a host-defined category listed by <see cref="HostServiceRegistry.DeclaredPermissions"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RequiresPermissionAttribute : Attribute
{
    /// <summary>Requires <paramref name="permission"/>, written <c>category:action</c>.</summary>
    public RequiresPermissionAttribute(string permission) => Permission = permission;

    /// <summary>The permission a plugin must have been granted to call the method.</summary>
    public string Permission { get; }
}
