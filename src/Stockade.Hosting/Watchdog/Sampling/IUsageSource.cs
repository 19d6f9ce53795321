namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>Where the watchdog's figures come from: <c>/proc</c> in production, a script in tests.</summary>
internal interface IUsageSource
{
    /// <summary>Called once at the start of every tick so a source can take one snapshot shared by all reads of that tick.</summary>
    void Refresh();

    /// <summary>Reads the counters of <paramref name="pid"/> and its descendants.</summary>
    /// <param name="pid">The root process.</param>
    /// <param name="details">
    /// Also count open descriptors and sockets and read storage bytes, which cost far more than the rest
    /// (a directory listing and a link per descriptor); a source may read them anyway.
    /// </param>
    /// <param name="reading">The summed counters; <see cref="ProcessReading.HasDetails"/> says whether the costly ones are in.</param>
    /// <returns><see langword="false"/> when the process has exited (or is a zombie); that is normal, not an error.</returns>
    bool TryRead(int pid, bool details, out ProcessReading reading);

    /// <summary>
    /// Sums the space taken under <paramref name="directory"/> without following links, giving up after
    /// <paramref name="budget"/> or <paramref name="maxEntries"/> entries.
    /// </summary>
    /// <returns>The bytes counted (a lower bound when the budget ran out) and whether the entry cap was hit, or <see langword="null"/> when the folder does not exist.</returns>
    DiskMeasure? MeasureDisk(string directory, TimeSpan budget, long maxEntries);
}
