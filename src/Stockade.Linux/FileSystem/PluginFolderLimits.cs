namespace Stockade.Linux.FileSystem;

/// <summary>
/// How much of a plugin folder install, validate and sign accept. Sizes are apparent sizes (<c>st_size</c>), so a
/// sparse file counts what it would take once copied.
/// </summary>
public sealed record PluginFolderLimits
{
    /// <summary>The defaults: 64 MiB per file, 256 MiB in all, 10,000 entries, 2 minutes.</summary>
    public static PluginFolderLimits Default { get; } = new();

    /// <summary>The largest file accepted, in bytes; default 64 MiB.</summary>
    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The largest total of all files, in bytes; default 256 MiB.</summary>
    public long MaxTotalBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The most files and folders accepted (the root not counted); default 10,000.</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>How long reading and checking the folder may take before it is given up (validate, install, sign); default 2 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Every problem with the values, each naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxFileBytes <= 0)
        {
            problems.Add($"MaxFileBytes must be positive (got {MaxFileBytes}).");
        }

        if (MaxTotalBytes <= 0)
        {
            problems.Add($"MaxTotalBytes must be positive (got {MaxTotalBytes}).");
        }

        if (MaxEntries <= 0)
        {
            problems.Add($"MaxEntries must be positive (got {MaxEntries}).");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            problems.Add($"Timeout must be positive (got {Timeout}).");
        }

        return problems;
    }
}
