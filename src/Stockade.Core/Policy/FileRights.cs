namespace Stockade.Core.Policy;

/// <summary>File-system rights of a <see cref="FileRule"/>, mapped to Landlock access rights by the Linux layer.</summary>
[Flags]
public enum FileRights
{
    /// <summary>No rights.</summary>
    None = 0,

    /// <summary>Read files and list directories.</summary>
    Read = 1,

    /// <summary>Write, create and truncate files, create directories.</summary>
    Write = 2,

    /// <summary>Remove files and directories.</summary>
    Delete = 4,

    /// <summary>Execute the file.</summary>
    Execute = 8,
}
