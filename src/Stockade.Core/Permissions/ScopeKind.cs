namespace Stockade.Core.Permissions;

/// <summary>How the scope after <c>=</c> in a permission is interpreted.</summary>
public enum ScopeKind
{
    /// <summary>A name or name prefix such as <c>clip.*</c> (hooks, config keys, database namespaces, host-defined services).</summary>
    Name,

    /// <summary>An absolute path or an alias such as <c>$PLUGIN_DATA/**</c>; see <see cref="PathScope"/>.</summary>
    Path,

    /// <summary>A host pattern such as <c>*.example.com:443</c>; see <see cref="HostPattern"/>.</summary>
    Host,

    /// <summary>An environment variable name or <c>PREFIX*</c>; see <see cref="EnvScope"/>.</summary>
    Environment,

    /// <summary>One absolute executable path (or alias path) without glob; see <see cref="PathScope"/>.</summary>
    Executable,
}
