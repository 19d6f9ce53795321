using System.ComponentModel.DataAnnotations;

namespace Stockade.Hosting.Monitoring;

/// <summary>How often the watchdog samples and how it escalates. Defaults follow the design (§7).</summary>
public sealed class WatchdogOptions : IValidatableObject
{
    /// <summary>Time between two samples of every watched process. Default 1 s; 50 ms to 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The data folder is scanned every this many samples, because walking it costs more than reading <c>/proc</c>. Default 5.</summary>
    [Range(1, int.MaxValue)]
    public int DiskEvery { get; set; } = 5;

    /// <summary>
    /// Open descriptors, sockets and storage bytes are read every this many samples, because listing a
    /// process's descriptors costs a hundred times its <c>stat</c>; a process at or above
    /// <see cref="WarnRatio"/> of its open-files limit has them read on every sample. CPU, memory and
    /// threads are read on every sample whatever this says. Default 5.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int DetailsEvery { get; set; } = 5;

    /// <summary>Longest time one data-folder scan may take; a scan that runs out reports what it counted so far. Default 200 ms; 1 ms to 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan DiskScanBudget { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Most entries (files, folders, links) one disk scan of a plugin's <c>$PLUGIN_DATA</c> and <c>$TEMP</c> walks.
    /// A plugin holding more is over its disk quota whatever their sizes, so a million empty files cannot make the
    /// scan take the host's CPU: measured here at about 5.5 µs an entry (ext4, both cores busy), the cap is about
    /// 110 ms of one core every <see cref="DiskEvery"/> samples per plugin, and <see cref="DiskScanBudget"/> bounds
    /// it in time as well. Default 20,000; at least 1.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int DiskMaxEntries { get; set; } = 20_000;

    /// <summary>Fraction of a limit at which a <see cref="WatchdogEventKind.ResourceWarning"/> is raised. Default 0.8; strictly between 0 and 1.</summary>
    [Range(0d, 1d, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double WarnRatio { get; set; } = 0.8;

    /// <summary>Violations after which the process is throttled. Default 3; at least 1.</summary>
    [Range(1, int.MaxValue)]
    public int ThrottleAfter { get; set; } = 3;

    /// <summary>Violations after which the process is killed. Default 10; at least 1 and not below <see cref="ThrottleAfter"/>.</summary>
    [Range(1, int.MaxValue)]
    public int KillAfter { get; set; } = 10;

    /// <summary>One violation is forgiven after this many consecutive clean samples. Default 5; at least 1.</summary>
    [Range(1, int.MaxValue)]
    public int DecayEvery { get; set; } = 5;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KillAfter < ThrottleAfter)
        {
            yield return new ValidationResult(
                $"KillAfter ({KillAfter}) is below ThrottleAfter ({ThrottleAfter}); raise KillAfter so a process is throttled before it is killed.",
                [nameof(KillAfter), nameof(ThrottleAfter)]);
        }
    }
}
