namespace Stockade.Hosting;

/// <summary>
/// A call failed because the plugin tried something it was not granted (refused by the kernel or
/// by the broker). <see cref="GrantCommand"/> is the command that would allow it, when one exists.
/// </summary>
public sealed class PluginPermissionDeniedException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public PluginPermissionDeniedException(string pluginId, string message, string? permission, string layer, string? resource)
        : base(pluginId, message)
    {
        Permission = permission;
        Layer = layer;
        Resource = resource;
    }

    /// <summary>The permission that would allow the action, e.g. <c>file:read=/srv/x/**</c>.</summary>
    public string? Permission { get; }

    /// <summary>Which layer refused: <c>kernel</c> or <c>broker</c>; <c>install</c> when a person declined the plugin's permissions at install.</summary>
    public string Layer { get; }

    /// <summary>The path, host or name that was refused.</summary>
    public string? Resource { get; }

    /// <summary>
    /// The <c>stockade grant</c> line that would allow the action (the plugin must declare it), its
    /// arguments quoted for a shell. The host builds it from the permission its own broker or kernel
    /// layer refused, never from text the plugin sent.
    /// </summary>
    public string? GrantCommand => Permission is null ? null : GrantAdvice.Command(PluginId, Permission);

    /// <inheritdoc />
    public override string? NextStep => GrantCommand is null
        ? null
        : $"if the plugin should be allowed this, declare '{Permission}' in its manifest and run: {GrantCommand}";
}
