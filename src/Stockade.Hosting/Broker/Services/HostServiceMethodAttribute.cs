namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// Names a host service method as plugins call it. Optional: without it the method is called by its
/// name in camelCase (<c>GetText</c> → <c>getText</c>). A method is exposed only when it also carries
/// <see cref="RequiresPermissionAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class HostServiceMethodAttribute : Attribute
{
    /// <summary>Exposes the method under <paramref name="name"/>.</summary>
    public HostServiceMethodAttribute(string name) => Name = name;

    /// <summary>The name plugins use to call the method.</summary>
    public string Name { get; }
}
