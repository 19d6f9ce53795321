namespace Stockade.Plugin;

/// <summary>The host refused because the plugin lacks a permission.</summary>
public sealed class PermissionDeniedException : StockadeException
{
    /// <summary>Creates the exception for <paramref name="permission"/>.</summary>
    public PermissionDeniedException(string permission, string message)
        : base("permission_denied", message) => Permission = permission;

    /// <summary>Creates the exception with an unknown permission.</summary>
    public PermissionDeniedException()
        : this(string.Empty, "permission denied")
    {
    }

    /// <summary>Creates the exception with a message and an unknown permission.</summary>
    public PermissionDeniedException(string message)
        : this(string.Empty, message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public PermissionDeniedException(string message, Exception innerException)
        : base(message, innerException) => Permission = string.Empty;

    /// <summary>The permission that would allow the request (e.g. <c>network:request=api.example.com:443</c>), or empty when the host did not say.</summary>
    public string Permission { get; }
}
