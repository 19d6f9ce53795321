namespace Stockade.Plugin;

/// <summary>
/// Makes a public instance method callable by the host under <see cref="Name"/>. The method takes at most one input
/// parameter (any JSON-deserialisable type, or <c>JsonElement</c>) and optionally a <see cref="CancellationToken"/>,
/// and returns a value, <see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PluginMethodAttribute : Attribute
{
    /// <summary>Exposes the method as <paramref name="name"/>.</summary>
    public PluginMethodAttribute(string name) => Name = name;

    /// <summary>The name the host calls.</summary>
    public string Name { get; }
}
