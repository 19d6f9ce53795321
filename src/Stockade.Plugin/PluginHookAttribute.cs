namespace Stockade.Plugin;

/// <summary>
/// Makes a public instance method handle the host hook <see cref="Name"/> (e.g. <c>clip.copied</c>); the payload binds
/// to its parameter like a <see cref="PluginMethodAttribute"/> method's input. The plugin also needs the
/// <c>hook:register</c> permission for that name.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PluginHookAttribute : Attribute
{
    /// <summary>Handles the hook <paramref name="name"/>.</summary>
    public PluginHookAttribute(string name) => Name = name;

    /// <summary>The hook's name.</summary>
    public string Name { get; }
}
