namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>Cumulative counters of one process tree (the process plus its live descendants) at one instant.</summary>
/// <param name="StartTime">The root's start time in clock ticks after boot; a different value for the same pid means the pid was reused.</param>
/// <param name="CpuTime">User + system time of the tree, including children already reaped.</param>
/// <param name="MemoryBytes">Summed resident memory.</param>
/// <param name="Threads">Summed threads.</param>
/// <param name="OpenFiles">Summed open file descriptors.</param>
/// <param name="Sockets">Summed open sockets.</param>
/// <param name="Processes">The root plus its live descendants.</param>
/// <param name="ReadBytes">Summed storage reads, or null when any <c>io</c> file was unreadable.</param>
/// <param name="WriteBytes">Summed storage writes, or null when any <c>io</c> file was unreadable.</param>
/// <param name="HasDetails">
/// Whether descriptors, sockets and storage bytes were read; when <see langword="false"/> those four are zero
/// and the caller keeps its previous figures (see <see cref="IUsageSource.TryRead"/>).
/// </param>
internal readonly record struct ProcessReading(
    long StartTime,
    TimeSpan CpuTime,
    long MemoryBytes,
    int Threads,
    int OpenFiles,
    int Sockets,
    int Processes,
    long? ReadBytes,
    long? WriteBytes,
    bool HasDetails = true);
