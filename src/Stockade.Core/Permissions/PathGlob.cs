namespace Stockade.Core.Permissions;

/// <summary>The glob suffix of a <see cref="PathScope"/>.</summary>
public enum PathGlob
{
    /// <summary>No glob: exactly that path.</summary>
    None,

    /// <summary><c>/*</c>: the entries directly inside the directory.</summary>
    Children,

    /// <summary><c>/**</c>: the directory and everything beneath it.</summary>
    Recursive,
}
