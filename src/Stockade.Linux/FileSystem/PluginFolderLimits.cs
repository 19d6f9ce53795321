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
    public IReadOnlyList<string> Validate() => Validate(nameof(PluginFolderLimits));

    /// <summary>Every problem with the values, each named under <paramref name="owner"/> (e.g. <c>PluginHostOptions.PluginFolderLimits</c>).</summary>
    internal IReadOnlyList<string> Validate(string owner)
    {
        var errors = new OptionErrors(owner);
        errors.AtLeast(nameof(MaxFileBytes), MaxFileBytes, 1);
        errors.AtLeast(nameof(MaxTotalBytes), MaxTotalBytes, 1);
        errors.AtLeast(nameof(MaxEntries), MaxEntries, 1);
        errors.Positive(nameof(Timeout), Timeout);
        return errors.Problems;
    }
}
