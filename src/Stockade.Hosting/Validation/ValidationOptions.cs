
using Stockade.Linux.FileSystem;

namespace Stockade.Hosting.Validation;

/// <summary>Options for <see cref="PluginValidator.Validate(string, ValidationOptions)"/>.</summary>
public sealed class ValidationOptions
{
    /// <summary>
    /// The security level the plugin is meant to run at (<c>unrestricted</c>, <c>limited</c>, <c>sandboxed</c>,
    /// <c>strict</c>); null means <c>sandboxed</c>. At <c>strict</c> an undeclared use found by analysis is an
    /// error; at <c>strict</c> and <c>unrestricted</c> a missing or untrusted signature is an error.
    /// </summary>
    public string? Level { get; init; }

    /// <summary>
    /// A Stockade home: its trusted keys check the signature and its installed plugins are checked for
    /// conflicts. Null checks neither against a home.
    /// </summary>
    public string? Home { get; init; }

    /// <summary>
    /// What the plugin folder may hold (sizes per file and in all, entries) and how long reading and checking it
    /// may take; past them the folder is refused. Null uses <see cref="PluginFolderLimits.Default"/>.
    /// </summary>
    public PluginFolderLimits? FolderLimits { get; init; }
}
